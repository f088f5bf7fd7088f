import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { unwrap } from '../shared/api.ts';
import { Link, navigate, withQuery } from '../shared/router.tsx';
import type { LedgerEntry } from '../shared/types.ts';
import { Amount, DateTime, ErrorNotice, Field, invalidField, Loading, Pager, Section, useDocumentTitle } from '../shared/ui.tsx';
import { UtcMinuteField } from '../shared/utc-minute-field.tsx';
import { utc, utcMinute } from './form-values.ts';
import type { ConsoleContext } from './main.tsx';

/** The filter's choices; `satisfies` fails the type check if the API drops or renames one. */
const ENTRY_TYPES = ['grant', 'debit', 'hold', 'release', 'capture', 'expiry', 'void', 'overdraft', 'repayment', 'adjustment'] as const satisfies ReadonlyArray<LedgerEntry['type']>;
const FILTERS = ['customerId', 'unit', 'type', 'grantId', 'from', 'to'] as const;
const CSV_COLUMNS = ['id', 'effectiveAt', 'createdAt', 'customerId', 'unit', 'walletKey', 'sequence', 'type', 'amount', 'heldAmount', 'balanceAfter', 'grantId', 'debitId', 'holdId'] as const;

export function LedgerTable(props: { entries: LedgerEntry[] }) {
  if (props.entries.length === 0) return <p className="muted">No entries.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="ledger-table" className="stack">
        <thead>
          <tr>
            <th scope="col">Effective</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Amount</th>
            <th scope="col" className="num">Balance after</th>
            <th scope="col">Customer · unit</th>
            <th scope="col">Refers to</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((entry) => (
            <tr key={entry.id}>
              <td data-label="Effective">
                <DateTime iso={entry.effectiveAt} />
              </td>
              <td data-label="Type">
                <span className={`entry-type entry-${entry.type}`}>{entry.type}</span>
              </td>
              <td data-label="Amount" className="num">
                <span>
                  <Amount value={entry.amount} unit={entry.unit} />
                  {entry.heldAmount !== '0' ? (
                    <>
                      <br />
                      <small className="muted">held {entry.heldAmount}</small>
                    </>
                  ) : null}
                </span>
              </td>
              <td data-label="Balance after" className="num">
                <Amount value={entry.balanceAfter} unit={entry.unit} />
              </td>
              <td data-label="Customer">
                <span>
                  <Link to={`/console/customers/${encodeURIComponent(entry.customerId)}`}>{entry.customerId}</Link>
                  {entry.walletKey ? <small className="muted"> ({entry.walletKey})</small> : null}
                </span>
              </td>
              <td data-label="Refers to">
                <code className="small">{entry.grantId ?? entry.debitId ?? entry.holdId ?? '—'}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * RFC 4180: quote a field when it holds a comma, quote or line break. Text a spreadsheet would run as a formula
 * (= + - @, a tab or a carriage return first; quoting does not stop it) gets a leading apostrophe, as the server's
 * exports do; a decimal number (a negative amount) stays as it is.
 */
function csvField(value: unknown): string {
  const raw = value === null || value === undefined ? '' : String(value);
  const text = /^[=+\-@\t\r]/.test(raw) && !/^-?\d+(\.\d+)?$/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function ledgerCsv(entries: LedgerEntry[]): string {
  return [CSV_COLUMNS.join(','), ...entries.map((entry) => CSV_COLUMNS.map((column) => csvField(entry[column])).join(','))].join('\r\n') + '\r\n';
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** /console/ledger?customerId&unit&type&grantId&from&to: every entry, filtered and paged; the page shown downloads as CSV. */
export function LedgerPage(props: { context: ConsoleContext; query: URLSearchParams }) {
  useDocumentTitle('Ledger · Creditbook console');
  const filters = Object.fromEntries(FILTERS.map((name) => [name, props.query.get(name) ?? undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const key = JSON.stringify(filters);
  const entries = useQuery({
    queryKey: ['ledger-page', key, after],
    queryFn: () =>
      unwrap(
        props.context.client.GET('/v1/ledger-entries', {
          params: {
            query: {
              ...filters,
              // The URL is passed on as it is (the API rejects an unknown type with its own error).
              type: filters.type as LedgerEntry['type'] | undefined,
              from: utc(filters.from),
              to: utc(filters.to),
              limit: 50,
              startingAfter: after,
            },
          },
        }),
      ),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // A time that is not a real one is named under its field, and nothing is asked of the API.
    const invalid = invalidField(event.currentTarget);
    if (invalid) return invalid.field.focus();
    const form = new FormData(event.currentTarget);
    setCursors([]);
    const values = Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? '').trim()]));
    navigate(withQuery('/console/ledger', { ...values, from: utcMinute(form, 'from')?.minute, to: utcMinute(form, 'to')?.minute }));
  };
  return (
    <>
      <h1>Ledger</h1>
      <form className="filters" onSubmit={submit} key={key} aria-label="Ledger filters" noValidate>
        <Field label="Customer ID">{(id) => <input id={id} name="customerId" defaultValue={filters.customerId} />}</Field>
        <Field label="Unit">
          {(id) => (
            <select id={id} name="unit" defaultValue={filters.unit ?? ''}>
              <option value="">any</option>
              {props.context.units.map((unit) => (
                <option key={unit.code}>{unit.code}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Entry type">
          {(id) => (
            <select id={id} name="type" defaultValue={filters.type ?? ''} data-testid="ledger-type">
              <option value="">any</option>
              {ENTRY_TYPES.map((type) => (
                <option key={type}>{type}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Grant ID">{(id) => <input id={id} name="grantId" defaultValue={filters.grantId} />}</Field>
        <UtcMinuteField label="From (UTC)" name="from" defaultValue={filters.from} testId="ledger-from" />
        <UtcMinuteField label="To (UTC)" name="to" defaultValue={filters.to} testId="ledger-to" />
        <div className="filters-actions">
          <button type="submit" className="button button-primary">
            Apply
          </button>
          <Link to="/console/ledger" className="button button-quiet">
            Clear
          </Link>
        </div>
      </form>
      <Section
        title="Entries"
        actions={
          <button
            type="button"
            className="button button-small"
            disabled={!entries.data?.data.length}
            data-testid="download-csv"
            onClick={() => download(`ledger-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`, ledgerCsv(entries.data!.data))}
          >
            Download CSV
          </button>
        }
      >
        <ErrorNotice error={entries.error} />
        {entries.data ? <LedgerTable entries={entries.data.data} /> : entries.error ? null : <Loading />}
        <Pager
          page={cursors.length}
          hasMore={entries.data?.hasMore ?? false}
          previous={() => setCursors(cursors.slice(0, -1))}
          next={() => setCursors([...cursors, entries.data!.data.at(-1)!.id])}
          nextTestId="next-page"
        />
      </Section>
    </>
  );
}

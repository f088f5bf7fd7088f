import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { unwrap } from '../shared/api.ts';
import { formatTime, monthStartBefore } from '../shared/format.ts';
import { Link, navigate, withQuery } from '../shared/router.tsx';
import type { RevenueReport } from '../shared/types.ts';
import { Amount, Badge, ErrorNotice, Field, invalidField, Loading, Money, Pager, Section, useDocumentTitle } from '../shared/ui.tsx';
import { UtcMinuteField } from '../shared/utc-minute-field.tsx';
import { optional, utc, utcMinute } from './form-values.ts';
import type { ConsoleContext } from './main.tsx';

/**
 * /console/revenue?from&to&currency&customerId: the revenue report (docs/finance.md)
 * for a period: the identity opening + paid − recognised − breakage − refunds =
 * closing, the credits that carry no revenue, and a row per paid grant, paged.
 * Every figure is the API's string; the page adds nothing up.
 */

/** A part of the identity: in the totals and in every grant row, credits and money. */
type Part = { [Key in keyof RevenueReport]: RevenueReport[Key] extends { credits: string; money: string } ? Key : never }[keyof RevenueReport];

/** The identity's lines, in order; `satisfies` fails the type check if the API drops or renames a part. */
const PARTS = [
  { part: 'openingDeferred', sign: '', label: 'Opening deferred', means: 'paid credits not yet used when the period began' },
  { part: 'paid', sign: '+', label: 'Paid', means: 'paid grants that became active in the period, at their price' },
  { part: 'recognised', sign: '−', label: 'Recognised', means: 'revenue of credits consumed' },
  { part: 'breakage', sign: '−', label: 'Breakage', means: 'paid credits that expired or were voided unused' },
  { part: 'refunds', sign: '−', label: 'Refunds', means: 'unused credits refunded, at the money refunded' },
  { part: 'closingDeferred', sign: '=', label: 'Closing deferred', means: 'what is still owed in credits at the end' },
] as const satisfies ReadonlyArray<{ part: Part; sign: string; label: string; means: string }>;
const FILTERS = ['from', 'to', 'currency', 'customerId'] as const;
const PAGE_SIZE = 20;

export function RevenuePage(props: { context: ConsoleContext; query: URLSearchParams }) {
  useDocumentTitle('Revenue · Creditbook console');
  const { client } = props.context;
  const given = Object.fromEntries(FILTERS.map((name) => [name, props.query.get(name) || undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  // Defaults: the current UTC month to now (the environment's clock: a test key's test clock), in the latest purchase's currency.
  const clock = useQuery({ queryKey: ['test-clock'], queryFn: () => unwrap(client.GET('/v1/test-clock')), enabled: props.context.testMode });
  const latest = useQuery({ queryKey: ['purchases', 'latest'], queryFn: () => unwrap(client.GET('/v1/purchases', { params: { query: { limit: 1 } } })), enabled: !given.currency });
  const from = given.from ?? (props.context.testMode ? (clock.data ? monthStartBefore(Date.parse(clock.data.now)) : undefined) : monthStartBefore(Date.now()));
  const currency = given.currency ?? (latest.data ? (latest.data.data[0]?.currency ?? 'usd') : latest.error ? 'usd' : undefined);
  const filters = { ...given, from, currency };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // A time that is not a real one is named under its field, and nothing is asked of the API.
    const invalid = invalidField(event.currentTarget);
    if (invalid) return invalid.field.focus();
    const form = new FormData(event.currentTarget);
    navigate(
      withQuery('/console/revenue', {
        from: utcMinute(form, 'from')?.minute,
        to: utcMinute(form, 'to')?.minute,
        currency: optional(form, 'currency')?.toLowerCase(),
        customerId: optional(form, 'customerId'),
      }),
    );
  };
  const ready = from !== undefined && currency !== undefined;
  const key = JSON.stringify(filters);
  return (
    <>
      <h1>Revenue</h1>
      <p className="muted lead">
        Paid credits are money owed until they are used: deferred revenue. Each paid grant's price is spread over its credits exactly, so every figure below
        ties out to the cent.
      </p>
      <form className="filters filters-wide" onSubmit={submit} key={ready ? `form ${key}` : 'waiting'} aria-label="Report period" noValidate>
        <UtcMinuteField label="From (UTC)" name="from" defaultValue={from} hint="Default: this month's start" testId="revenue-from" />
        <UtcMinuteField label="To (UTC)" name="to" defaultValue={given.to} hint="Blank: now" testId="revenue-to" />
        <Field label="Currency" hint="ISO 4217, e.g. usd">
          {(id) => <input id={id} name="currency" defaultValue={currency} autoComplete="off" spellCheck={false} data-testid="revenue-currency" />}
        </Field>
        <Field label="Customer ID" hint="Blank: every customer">
          {(id) => <input id={id} name="customerId" defaultValue={given.customerId} autoComplete="off" data-testid="revenue-customer" />}
        </Field>
        <div className="filters-actions">
          <button type="submit" className="button button-primary" data-testid="revenue-apply">
            Show
          </button>
          <Link to="/console/revenue" className="button button-quiet">
            This month
          </Link>
        </div>
      </form>
      <ErrorNotice error={clock.error} />
      {clock.data?.frozen && !given.to ? (
        <p className="notice" role="status" data-testid="frozen-clock">
          The test clock is frozen at {formatTime(clock.data.now)}. A period ends just before its end time, so what was booked at that very time (everything since the
          clock last moved) shows once the clock is advanced.
        </p>
      ) : null}
      {ready ? <ReportView key={key} context={props.context} filters={{ from, to: given.to, currency, customerId: given.customerId }} /> : <Loading />}
    </>
  );
}

/** One report; its paging state starts over whenever the filters change (it is keyed by them). */
function ReportView(props: { context: ConsoleContext; filters: { from: string; to: string | undefined; currency: string; customerId: string | undefined } }) {
  const { filters } = props;
  const [cursors, setCursors] = useState<string[]>([]);
  // A report "to now" is pinned to the first answer's `to` when paging, so every page and its totals describe one period.
  const [pinnedTo, setPinnedTo] = useState<string | undefined>(undefined);
  const after = cursors.at(-1);
  const report = useQuery({
    queryKey: ['revenue', filters, pinnedTo, after],
    queryFn: () =>
      unwrap(
        props.context.client.GET('/v1/reports/revenue', {
          params: { query: { from: utc(filters.from)!, to: pinnedTo ?? utc(filters.to), currency: filters.currency, customerId: filters.customerId, limit: PAGE_SIZE, startingAfter: after } },
        }),
      ),
  });
  if (report.error) return <ErrorNotice error={report.error} />;
  if (!report.data) return <Loading />;
  const data = report.data;
  const next = () => {
    setPinnedTo(data.to);
    setCursors([...cursors, data.grants.data.at(-1)!.grantId]);
  };
  return (
    <>
      <Section title={`Deferred revenue · ${data.currency.toUpperCase()}`} actions={data.closed ? <Badge tone="good">closed</Badge> : <Badge tone="info">open</Badge>}>
        <p className="period" data-testid="revenue-period">
          <time dateTime={data.from}>{formatTime(data.from)}</time> to <time dateTime={data.to}>{formatTime(data.to)}</time>
          {filters.to ? '' : ' (now)'}
          {data.customerId ? (
            <>
              {' '}
              · customer <Link to={`/console/customers/${encodeURIComponent(data.customerId)}`}>{data.customerId}</Link>
            </>
          ) : (
            ' · every customer'
          )}
        </p>
        <p className="muted small" data-testid="revenue-closed">
          {data.closed
            ? 'Closed: nothing can be booked into this period any more, so this report reads the same tomorrow.'
            : 'Open: the period has not ended (or ended under a minute ago), so these figures can still change.'}
        </p>
        <div className="table-wrap">
          <table className="identity" data-testid="revenue-identity">
            <caption className="visually-hidden">Opening deferred plus paid, minus recognised, breakage and refunds, equals closing deferred</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Sign</span>
                </th>
                <th scope="col">Part</th>
                <th scope="col" className="num">Money</th>
                <th scope="col" className="num">Credits</th>
              </tr>
            </thead>
            <tbody>
              {PARTS.map(({ part, sign, label, means }) => (
                <tr key={part} data-testid={`revenue-${part}`} className={part === 'closingDeferred' ? 'total' : undefined}>
                  <td className="sign" aria-hidden={sign === '' ? undefined : true}>
                    {sign}
                  </td>
                  <th scope="row">
                    {label}
                    <small className="muted">{means}</small>
                  </th>
                  <td className="num money">
                    <Money value={data[part].money} currency={data.currency} />
                  </td>
                  <td className="num">
                    {/* Summed over the currency's units, so no unit's code: the column says credits. */}
                    <span className="amount">
                      <span className="amount-value">{data[part].credits}</span>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title="Credits without revenue">
        <WithoutRevenue rows={data.withoutRevenue} />
      </Section>
      <Section title="Per paid grant">
        <GrantRows report={data} />
        <Pager page={cursors.length} hasMore={data.grants.hasMore} previous={() => setCursors(cursors.slice(0, -1))} next={next} nextTestId="revenue-next" />
      </Section>
    </>
  );
}

function WithoutRevenue(props: { rows: RevenueReport['withoutRevenue'] }) {
  if (props.rows.length === 0) return <p className="muted">None in this period.</p>;
  return (
    <div className="table-wrap">
      <table className="stack" data-testid="without-revenue">
        <caption className="muted small">Promotional credits, and paid grants made without a cost, carry no money: in credits only.</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col" className="num">Opening</th>
            <th scope="col" className="num">Granted</th>
            <th scope="col" className="num">Consumed</th>
            <th scope="col" className="num">Expired or voided</th>
            <th scope="col" className="num">Closing</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={`${row.unit}-${row.kind}`} data-testid={`without-revenue-${row.unit}-${row.kind}`}>
              <td data-label="Kind">{row.kind === 'promotional' ? 'promotional' : 'paid without cost'}</td>
              {(['opening', 'granted', 'consumed', 'expiredOrVoided', 'closing'] as const).map((column) => (
                <td key={column} data-label={{ opening: 'Opening', granted: 'Granted', consumed: 'Consumed', expiredOrVoided: 'Expired or voided', closing: 'Closing' }[column]} className="num">
                  <Amount value={row[column]} unit={row.unit} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Money, and below it the credits it is for. */
function MoneyAndCredits(props: { money: string; currency: string; credits: string; unit: string }) {
  return (
    <span>
      <Money value={props.money} currency={props.currency} />
      <small className="credits">
        <Amount value={props.credits} unit={props.unit} />
      </small>
    </span>
  );
}

function GrantRows(props: { report: RevenueReport }) {
  const { currency } = props.report;
  const rows = props.report.grants.data;
  if (rows.length === 0) return <p className="muted">No paid grant in {currency.toUpperCase()} has anything deferred or booked in this period.</p>;
  return (
    <div className="table-wrap">
      <table className="stack" data-testid="revenue-grants">
        <caption className="muted small">Each part in money, and below it in credits; a grant's parts always add up to its price.</caption>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col" className="num">Price</th>
            {PARTS.map(({ part, label }) => (
              <th key={part} scope="col" className="num">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.grantId} data-testid={`revenue-grant-${row.grantId}`}>
              <td data-label="Grant">
                <code className="small">{row.grantId}</code>
                <div className="small">
                  <Link to={`/console/customers/${encodeURIComponent(row.customerId)}`}>{row.customerId}</Link> <span className="muted">· {row.source}</span>
                </div>
              </td>
              <td data-label="Price" className="num">
                <MoneyAndCredits money={row.price} currency={currency} credits={row.credits} unit={row.unit} />
              </td>
              {PARTS.map(({ part, label }) => (
                <td key={part} data-label={label} className="num">
                  <MoneyAndCredits money={row[part].money} currency={currency} credits={row[part].credits} unit={row.unit} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

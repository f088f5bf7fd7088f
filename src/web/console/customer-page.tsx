import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isZero } from '../shared/amounts.ts';
import { unwrap } from '../shared/api.ts';
import { GrantsTable, PurchasesTable, UsageByFeature, useGrants, useWallets, WalletOverview } from '../shared/customer-views.tsx';
import { formatTime } from '../shared/format.ts';
import { Link, navigate, withQuery } from '../shared/router.tsx';
import type { Grant, Purchase } from '../shared/types.ts';
import { ActionDialog, Amount, DECIMAL_INPUT, ErrorNotice, Field, Loading, Section, StatusBadge, useDocumentTitle } from '../shared/ui.tsx';
import { UtcMinuteField } from '../shared/utc-minute-field.tsx';
import { LedgerTable } from './ledger-page.tsx';
import { idempotent, optional, utcMinute } from './form-values.ts';
import { CreditNotes, RefundAction, refundable } from './purchase-refunds.tsx';
import type { ConsoleContext } from './main.tsx';

/** /console/customers/{id}?unit=…: one customer's wallets, chart, grants, holds, ledger, purchases and usage, with actions. */
export function CustomerPage(props: { context: ConsoleContext; customerId: string; unit: string | undefined }) {
  const { client } = props.context;
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries();
  const [linked, setLinked] = useState<Purchase | null>(null);
  const customer = useQuery({
    queryKey: ['customer', props.customerId],
    queryFn: () => unwrap(client.GET('/v1/customers/{id}', { params: { path: { id: props.customerId } } })),
  });
  const wallets = useWallets(client, props.customerId);
  const clock = useQuery({ queryKey: ['test-clock'], queryFn: () => unwrap(client.GET('/v1/test-clock')), enabled: props.context.testMode });
  const now = clock.data ? Date.parse(clock.data.now) : Date.now();
  const units = [...new Set((wallets.data?.data ?? []).map((wallet) => wallet.unit))];
  const unit = props.unit ?? units[0] ?? props.context.units[0]?.code;
  const grants = useGrants(client, props.customerId, unit);
  const holds = useQuery({
    queryKey: ['holds', props.customerId, unit],
    queryFn: () => unwrap(client.GET('/v1/holds', { params: { query: { customerId: props.customerId, unit, status: 'active', limit: 50 } } })),
    enabled: unit !== undefined,
  });
  const ledger = useQuery({
    queryKey: ['ledger', props.customerId, unit],
    queryFn: () => unwrap(client.GET('/v1/ledger-entries', { params: { query: { customerId: props.customerId, unit, limit: 10 } } })),
    enabled: unit !== undefined,
  });
  useDocumentTitle(`${customer.data?.name ?? props.customerId} · Creditbook console`);
  if (customer.error) return <ErrorNotice error={customer.error} />;
  if (!customer.data) return <Loading />;
  // Void and Expire act on what is left of a grant: none once nothing is (a held part still is: what its hold gives back is forfeited).
  const grantActions = (grant: Grant) =>
    (grant.status === 'active' || grant.status === 'scheduled') && !(isZero(grant.available) && isZero(grant.held)) ? (
      <div className="button-row">
        <ActionDialog
          label="Void"
          title="Void this grant?"
          subject={grant.id}
          confirmLabel="Void grant"
          tone="danger"
          buttonClass="button button-small button-danger-quiet"
          testId={`void-${grant.id}`}
          run={(key) => unwrap(client.POST('/v1/grants/{id}/void', { params: { path: { id: grant.id } }, body: {}, ...idempotent(key) }))}
          done={refresh}
        >
          <p>
            What is left of it (<Amount value={grant.available} unit={grant.unit} />) stops being spendable now. This cannot be undone.
          </p>
          <HeldPart grant={grant} fate="is forfeited" />
        </ActionDialog>
        <ActionDialog
          label="Expire"
          title="Expire this grant now?"
          subject={grant.id}
          confirmLabel="Expire grant"
          tone="danger"
          buttonClass="button button-small button-danger-quiet"
          testId={`expire-${grant.id}`}
          run={(key) => unwrap(client.POST('/v1/grants/{id}/expire', { params: { path: { id: grant.id } }, body: {}, ...idempotent(key) }))}
          done={refresh}
        >
          <p>
            <Amount value={grant.available} unit={grant.unit} /> expire now, as if its expiry had come.
          </p>
          <HeldPart grant={grant} fate="expires" />
        </ActionDialog>
      </div>
    ) : null;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/console/customers">Customers</Link> / <span>{customer.data.id}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 data-testid="customer-name">{customer.data.name ?? customer.data.id}</h1>
          <p className="muted">
            <code>{customer.data.id}</code>
            {customer.data.externalId ? ` · external ${customer.data.externalId}` : ''}
            {customer.data.email ? ` · ${customer.data.email}` : ''}
          </p>
        </div>
        {unit ? (
          <div className="button-row">
            <ActionDialog
              label="Grant credits"
              title={`Grant ${unit} to ${customer.data.name ?? customer.data.id}`}
              confirmLabel="Grant"
              buttonClass="button button-primary"
              testId="grant-credits"
              run={(key, form) => {
                const expiresAt = utcMinute(form, 'expiresAt')?.iso;
                return unwrap(
                  client.POST('/v1/grants', {
                    body: {
                      customerId: props.customerId,
                      unit,
                      amount: String(form.get('amount')),
                      category: String(form.get('category')) as 'paid' | 'promotional',
                      name: optional(form, 'name') ?? null,
                      ...(expiresAt ? { expiresAt } : {}),
                    },
                    ...idempotent(key),
                  }),
                );
              }}
              done={refresh}
            >
              <Field label={`Amount (${unit})`}>{(id) => <input id={id} name="amount" {...DECIMAL_INPUT} data-testid="grant-amount" />}</Field>
              <Field label="Category">
                {(id) => (
                  <select id={id} name="category" defaultValue="promotional">
                    <option value="promotional">promotional (a gift)</option>
                    <option value="paid">paid</option>
                  </select>
                )}
              </Field>
              <Field label="Name (optional)">{(id) => <input id={id} name="name" maxLength={200} placeholder="Goodwill credit" />}</Field>
              <UtcMinuteField label="Expires at, UTC (optional)" name="expiresAt" testId="grant-expires" />
            </ActionDialog>
            <ActionDialog
              label="Debit"
              title={`Debit ${unit}`}
              confirmLabel="Debit"
              testId="debit"
              run={(key, form) =>
                unwrap(client.POST('/v1/debits', { body: { customerId: props.customerId, unit, amount: String(form.get('amount')), feature: optional(form, 'feature') ?? null }, ...idempotent(key) }))
              }
              done={refresh}
            >
              <Field label={`Amount (${unit})`}>{(id) => <input id={id} name="amount" {...DECIMAL_INPUT} />}</Field>
              <Field label="Feature (optional)">{(id) => <input id={id} name="feature" maxLength={100} />}</Field>
            </ActionDialog>
            <ActionDialog
              label="Purchase link"
              title={`Create a purchase link for ${unit}`}
              confirmLabel="Create link"
              testId="purchase-link"
              run={(key, form) =>
                unwrap(
                  client.POST('/v1/purchases', { body: { customerId: props.customerId, unit, amount: String(form.get('amount')), price: String(form.get('price')) }, ...idempotent(key) }),
                )
              }
              done={(purchase) => {
                refresh();
                setLinked(purchase);
              }}
            >
              <Field label={`Credits (${unit})`}>{(id) => <input id={id} name="amount" {...DECIMAL_INPUT} />}</Field>
              <Field label="Price" hint="In the default currency, e.g. 5.00">
                {(id) => <input id={id} name="price" {...DECIMAL_INPUT} />}
              </Field>
            </ActionDialog>
          </div>
        ) : null}
      </header>
      {linked?.paymentSession?.url ? (
        <div className="notice" role="status">
          <label htmlFor="checkout-link">
            Checkout link for <Amount value={linked.amount} unit={linked.unit} /> at {linked.price} {linked.currency.toUpperCase()}, to send to the customer:
          </label>
          {/* A text area, so the whole link shows (wrapped on a phone) instead of its start in a one-line box. */}
          <textarea id="checkout-link" readOnly rows={1} value={linked.paymentSession.url} onFocus={(event) => event.currentTarget.select()} data-testid="checkout-link" />
        </div>
      ) : null}
      {units.length > 1 ? (
        <nav aria-label="Wallets" className="tabs">
          {units.map((code) => (
            <Link key={code} to={withQuery(`/console/customers/${encodeURIComponent(props.customerId)}`, { unit: code })} current={code === unit}>
              {code}
            </Link>
          ))}
        </nav>
      ) : null}
      {!unit ? (
        <p className="muted">No units yet: create one with POST /v1/units.</p>
      ) : (
        <div className="grid">
          <div className="span-2">
            <WalletOverview client={client} customerId={props.customerId} unit={unit} now={now} grants={grants.data?.data ?? []} grantsLoaded={grants.data !== undefined} />
          </div>
          <div className="span-2">
            <Section title="Grants" id="grants">
              <ErrorNotice error={grants.error} />
              {grants.data ? <GrantsTable grants={grants.data.data} now={now} actions={grantActions} /> : grants.error ? null : <Loading />}
            </Section>
          </div>
          <Section title="Active holds">
            <ErrorNotice error={holds.error} />
            {holds.error ? null : !holds.data ? (
              <Loading />
            ) : holds.data.data.length === 0 ? (
              <p className="muted">Nothing held.</p>
            ) : (
              <ul className="plain-list">
                {holds.data.data.map((hold) => (
                  <li key={hold.id} className="list-row">
                    <span>
                      <Amount value={hold.amount} unit={hold.unit} /> {hold.feature ? `for ${hold.feature}` : ''} <StatusBadge status={hold.status} />
                      <br />
                      <small className="muted">until {formatTime(hold.expiresAt)}</small>
                    </span>
                    <ActionDialog
                      label="Release"
                      title="Release this hold?"
                      subject={hold.id}
                      confirmLabel="Release"
                      buttonClass="button button-small"
                      testId={`release-${hold.id}`}
                      run={(key) => unwrap(client.POST('/v1/holds/{id}/release', { params: { path: { id: hold.id } }, body: {}, ...idempotent(key) }))}
                      done={refresh}
                    >
                      <p>
                        <Amount value={hold.amount} unit={hold.unit} /> held{hold.feature ? ` for ${hold.feature}` : ''} become available again.
                      </p>
                    </ActionDialog>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title="Usage by feature">
            <UsageByFeature client={client} customerId={props.customerId} />
          </Section>
          <div className="span-2">
            <Section
              title="Recent ledger entries"
              actions={
                <button type="button" className="button button-small" onClick={() => navigate(withQuery('/console/ledger', { customerId: props.customerId, unit }))}>
                  Open in ledger
                </button>
              }
            >
              <ErrorNotice error={ledger.error} />
              {ledger.data ? <LedgerTable entries={ledger.data.data} /> : ledger.error ? null : <Loading />}
            </Section>
          </div>
          <div className="span-2">
            <Section title="Purchases and invoices">
              <PurchasesTable
                client={client}
                customerId={props.customerId}
                refunds={(purchase) => (refundable(purchase) ? <CreditNotes client={client} purchase={purchase} /> : <span className="muted">—</span>)}
                actions={(purchase) => (refundable(purchase) ? <RefundAction client={client} purchase={purchase} done={refresh} /> : null)}
              />
            </Section>
          </div>
        </div>
      )}
    </>
  );
}

/** A grant's held part, in a Void or Expire dialog: its holds keep it, and what a release gives back `fate` at once (docs/semantics.md). */
function HeldPart(props: { grant: Grant; fate: string }) {
  if (isZero(props.grant.held)) return null;
  return (
    <p className="muted small">
      <Amount value={props.grant.held} unit={props.grant.unit} /> of it held stays usable by its holds; what a release gives back {props.fate} at once.
    </p>
  );
}

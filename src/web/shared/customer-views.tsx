import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { isPositive, isZero, roundForReading, sumAmounts } from './amounts.ts';
import { unwrap, type Client } from './api.ts';
import { BurnDownChart } from './burn-down-chart.tsx';
import { DAY_MS, formatDate, relative } from './format.ts';
import type { Grant, Purchase } from './types.ts';
import { Amount, Badge, DateTime, ErrorNotice, Loading, Section, StatusBadge } from './ui.tsx';

/** Views of one customer's credits, shared by the console and the portal (which shows them without actions). */

export function useWallets(client: Client, customerId: string) {
  return useQuery({
    queryKey: ['wallets', customerId],
    queryFn: () => unwrap(client.GET('/v1/wallets', { params: { query: { customerId, limit: 100 } } })),
  });
}

export function useBalance(client: Client, customerId: string, unit: string) {
  return useQuery({
    queryKey: ['balance', customerId, unit],
    queryFn: () => unwrap(client.GET('/v1/balances', { params: { query: { customerId, unit } } })),
  });
}

export function useGrants(client: Client, customerId: string, unit?: string) {
  return useQuery({
    queryKey: ['grants', customerId, unit],
    queryFn: () => unwrap(client.GET('/v1/grants', { params: { query: { customerId, ...(unit ? { unit } : {}), includeVoided: true, limit: 100 } } })),
  });
}

/** The wallet's balance, runway and burn-down chart. */
export function WalletOverview(props: { client: Client; customerId: string; unit: string; now: number; grants: Grant[]; grantsLoaded: boolean }) {
  const { client, customerId, unit } = props;
  const balance = useBalance(client, customerId, unit);
  const runway = useQuery({
    queryKey: ['runway', customerId, unit],
    queryFn: () => unwrap(client.GET('/v1/balances/runway', { params: { query: { customerId, unit } } })),
  });
  // The chart starts at the wallet's first grant when that is within the last 30 days, so a new wallet is not a flat line.
  const firstGrant = props.grants.filter((grant) => grant.unit === unit).reduce<string | undefined>((first, grant) => (first === undefined || grant.createdAt < first ? grant.createdAt : first), undefined);
  const from = firstGrant && Date.parse(firstGrant) > props.now - 30 * DAY_MS ? new Date(Date.parse(firstGrant) - DAY_MS / 2).toISOString() : undefined;
  const history = useQuery({
    queryKey: ['history', customerId, unit, from],
    queryFn: () => unwrap(client.GET('/v1/balances/history', { params: { query: { customerId, unit, interval: 'day', from } } })),
    enabled: props.grantsLoaded,
  });
  const now = runway.data ? Date.parse(runway.data.at) : props.now;
  // Long amounts (the API allows 25 digits and 10 decimals) need wider figures to stay readable.
  const shown = [balance.data?.available, balance.data?.held, runway.data?.expiringIn7Days, runway.data?.expiringIn30Days];
  const long = shown.some((amount) => amount !== undefined && amount.length > LONG_FIGURE);
  return (
    <Section title={`Balance · ${unit}`}>
      <ErrorNotice error={balance.error ?? runway.error ?? history.error} />
      <div className={long ? 'figures figures-long' : 'figures'}>
        <div className="figure">
          <span className="figure-label">Available</span>
          {balance.data ? <Amount value={balance.data.available} unit={unit} testId={`available-${unit}`} /> : <Loading />}
        </div>
        <div className="figure">
          <span className="figure-label">Held</span>
          {balance.data ? <Amount value={balance.data.held} unit={unit} /> : null}
        </div>
        <div className="figure">
          <span className="figure-label">Runs out</span>
          {runway.data ? (
            <span data-testid="depletes-at">{runsOut(runway.data.depletesAt, balance.data?.available, now)}</span>
          ) : null}
          {runway.data ? (
            // A rate of 0 over a window of one day is no measurement at all: say so instead of quoting it.
            isZero(runway.data.burnRate.perDay) && formatDate(runway.data.burnRate.windowStart) === formatDate(runway.data.burnRate.windowEnd) ? (
              <small className="muted" data-testid="burn-rate">
                no usage measured yet
              </small>
            ) : (
              <small className="muted" data-testid="burn-rate">
                burning about {roundForReading(runway.data.burnRate.perDay, 2)} {unit}/day, measured <span className="nowrap">{formatDate(runway.data.burnRate.windowStart)}</span> to{' '}
                <span className="nowrap">{formatDate(runway.data.burnRate.windowEnd)}</span>
              </small>
            )
          ) : null}
        </div>
        <div className="figure">
          <span className="figure-label">Expiring</span>
          {runway.data ? (
            <span>
              <Amount value={runway.data.expiringIn7Days} unit={unit} /> in 7 days
              <br />
              <Amount value={runway.data.expiringIn30Days} unit={unit} /> in 30 days
            </span>
          ) : null}
        </div>
      </div>
      {history.data ? <BurnDownChart history={history.data} runway={runway.data} grants={props.grants.filter((grant) => grant.unit === unit)} unit={unit} label="Burn-down" /> : <Loading />}
    </Section>
  );
}

const SOON_MS = 7 * DAY_MS;
/** Characters of an amount beyond which the balance figures take half the card's width (all of it on a phone). */
const LONG_FIGURE = 14;

export function GrantsTable(props: { grants: Grant[]; now: number; actions?: (grant: Grant) => ReactNode }) {
  if (props.grants.length === 0) return <p className="muted">No grants yet.</p>;
  return (
    <div className="table-wrap">
      <table className="stack">
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Remaining</th>
            <th scope="col" className="num">Granted</th>
            <th scope="col">Expires</th>
            {props.actions ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {props.grants.map((grant) => {
            const expiresIn = grant.expiresAt ? Date.parse(grant.expiresAt) - props.now : null;
            const soon = grant.status === 'active' && expiresIn !== null && expiresIn <= SOON_MS && isPositive(grant.available);
            return (
              <tr key={grant.id} data-testid={`grant-${grant.id}`} className={soon ? 'row-warn' : undefined}>
                <td data-label="Grant">
                  <div>{grant.name ?? <span className="muted">{grant.category}</span>}</div>
                  <code className="small">{grant.id}</code>
                </td>
                <td data-label="Status">
                  <StatusBadge status={grant.status} />
                </td>
                <td data-label="Remaining" className="num">
                  {/* One item in the phone's stacked row; what holds keep of the grant is not remaining, but not gone either. */}
                  <span>
                    <Amount value={grant.available} unit={grant.unit} />
                    {isZero(grant.held) ? null : (
                      <>
                        <br />
                        <small className="muted" data-testid="grant-held">
                          held {grant.held}
                        </small>
                      </>
                    )}
                  </span>
                </td>
                <td data-label="Granted" className="num">
                  <Amount value={grant.amount} unit={grant.unit} />
                </td>
                <td data-label="Expires">
                  {/* One item in the phone's stacked row, so the date and its badge stay together on the right. */}
                  <span>
                    {grant.expiresAt ? formatDate(grant.expiresAt) : 'never'}
                    {soon ? (
                      <>
                        {' '}
                        <Badge tone="warn">expires {relative(grant.expiresAt!, props.now)}</Badge>
                      </>
                    ) : null}
                  </span>
                </td>
                {props.actions ? <td className="actions">{props.actions(grant)}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Usage by feature over the latest debits, summed exactly. */
export function UsageByFeature(props: { client: Client; customerId: string }) {
  const debits = useQuery({
    queryKey: ['debits', props.customerId],
    queryFn: () => unwrap(props.client.GET('/v1/debits', { params: { query: { customerId: props.customerId, limit: 100 } } })),
  });
  if (debits.error) return <ErrorNotice error={debits.error} />;
  if (!debits.data) return <Loading />;
  const groups = new Map<string, { unit: string; feature: string; amounts: string[]; count: number }>();
  for (const debit of debits.data.data) {
    const feature = debit.feature ?? '(no feature)';
    const key = `${debit.unit}\u0000${feature}`;
    const group = groups.get(key) ?? { unit: debit.unit, feature, amounts: [], count: 0 };
    group.amounts.push(debit.consumed);
    group.count += 1;
    groups.set(key, group);
  }
  if (groups.size === 0) return <p className="muted">No usage yet.</p>;
  return (
    <div className="table-wrap">
      <table className="stack">
        <caption className="muted small">
          Over the latest {debits.data.data.length === 1 ? 'debit' : `${debits.data.data.length} debits`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col" className="num">Debits</th>
            <th scope="col" className="num">Consumed</th>
          </tr>
        </thead>
        <tbody>
          {[...groups.values()].map((group) => (
            <tr key={`${group.unit}-${group.feature}`}>
              <td data-label="Feature">{group.feature}</td>
              <td data-label="Debits" className="num">
                {group.count}
              </td>
              <td data-label="Consumed" className="num">
                <Amount value={sumAmounts(group.amounts)} unit={group.unit} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The customer's latest purchases; the console adds each one's refunds and actions (the portal shows neither). */
export function PurchasesTable(props: { client: Client; customerId: string; refunds?: (purchase: Purchase) => ReactNode; actions?: (purchase: Purchase) => ReactNode }) {
  const purchases = useQuery({
    queryKey: ['purchases', props.customerId],
    queryFn: () => unwrap(props.client.GET('/v1/purchases', { params: { query: { customerId: props.customerId, limit: 20 } } })),
  });
  if (purchases.error) return <ErrorNotice error={purchases.error} />;
  if (!purchases.data) return <Loading />;
  if (purchases.data.data.length === 0) return <p className="muted">No purchases yet.</p>;
  return (
    <div className="table-wrap">
      <table className="stack">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col" className="num">Credits</th>
            <th scope="col" className="num">Price</th>
            <th scope="col">Purchase</th>
            <th scope="col">Invoice</th>
            {props.refunds ? <th scope="col">Refunds</th> : null}
            {props.actions ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {purchases.data.data.map((purchase) => (
            <tr key={purchase.id} data-testid={`purchase-${purchase.id}`}>
              <td data-label="Date">
                <DateTime iso={purchase.createdAt} />
              </td>
              <td data-label="Credits" className="num">
                <Amount value={purchase.amount} unit={purchase.unit} />
              </td>
              <td data-label="Price" className="num">
                {purchase.price} {purchase.currency.toUpperCase()}
              </td>
              <td data-label="Purchase">
                <StatusBadge status={purchase.status} />
              </td>
              <td data-label="Invoice">
                {/* One item in the phone's stacked row, so the ID wraps under the badge instead of widening the table. */}
                <span>
                  <StatusBadge status={purchase.invoice.status} /> <code className="small">{purchase.invoice.id}</code>
                </span>
              </td>
              {props.refunds ? <td data-label="Refunds">{props.refunds(purchase)}</td> : null}
              {props.actions ? <td className="actions">{props.actions(purchase)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** When the balance runs out: an empty wallet has nothing left to run out of, whatever the runway's instant says. */
function runsOut(depletesAt: string | null, available: string | undefined, now: number): string {
  if (available !== undefined && !isPositive(available)) return 'nothing left to spend';
  return depletesAt ? `${formatDate(depletesAt)} (${relative(depletesAt, now)})` : 'not at the current rate';
}

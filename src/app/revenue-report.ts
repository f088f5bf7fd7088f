import { setImmediate as nextTurn } from 'node:timers/promises';
import { AMOUNT_SCALE } from '../domain/amount.ts';
import { requireCurrency, currencyScale } from '../domain/currencies.ts';
import { notFound, validationError } from '../domain/errors.ts';
import { divideHalfEven } from '../domain/revenue-allocation.ts';
import { addRevenue, emptyRevenue, GrantRevenueWalk, movementOf, type GrantRevenue, type Period } from '../domain/revenue-report.ts';
import type { Instant } from '../domain/types.ts';
import type { GrantRecord } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { LARGE_ROW_PAGE_SIZE } from './export-source.ts';
import { grantEntrySlices } from './grant-entries.ts';
import { SLICE_SEQUENCES } from './sequence-slices.ts';

/**
 * The revenue report (docs/finance.md#the-revenue-report): for a period and a
 * currency, deferred revenue at its start, paid grants, revenue recognised on
 * consumption, breakage, refunds, and deferred revenue at its end; promotional
 * credit apart, in credits; and a page of per-grant rows.
 *
 * Everything is derived from the append-only ledger by booking time (domain/
 * revenue-report.ts), so a period that has ended reads the same tomorrow. The
 * grants are walked a page at a time and their entries a chunk at a time, each
 * in its own read, so memory stays bounded whatever the number of grants and
 * entries and the event loop is never held for long; only the page of rows
 * asked for is kept.
 */
export interface RevenueReportQuery {
  from: Instant;
  to: Instant;
  currency: string;
  customerId?: string | undefined;
  /** Per-grant rows: at most this many, after `startingAfter` (a grant ID). */
  limit: number;
  startingAfter: string | null;
}

export interface GrantRevenueRow {
  grant: GrantRecord;
  /** The grant's price in minor units of the report's currency. */
  price: bigint;
  /** The credits bought (its `grant` ledger entry). */
  credits: bigint;
  revenue: GrantRevenue;
}

/** Credits that carry no revenue, per unit: promotional grants, and paid grants without a cost. */
export interface CreditsWithoutRevenue {
  unit: string;
  kind: 'promotional' | 'paid_without_cost';
  credits: GrantRevenue;
}

export interface RevenueReport {
  query: RevenueReportQuery;
  /** The environment's time when it was read. */
  readAt: Instant;
  /** The period ended at least `REPORT_SETTLE_MS` ago: nothing can be booked into it any more. */
  closed: boolean;
  summary: GrantRevenue;
  withoutRevenue: CreditsWithoutRevenue[];
  grants: { data: GrantRevenueRow[]; hasMore: boolean };
}

/** A transaction in flight when a period ended commits within this; after it, the period is closed. */
export const REPORT_SETTLE_MS = 60_000;
/** Grants read per step of the walk, and ledger entries per read of their histories (tests make them small). */
export interface ReportReads {
  grantsPerRead: number;
  /** How much of a grant's wallet sequence one read covers (grant-entries.ts). */
  sequencesPerRead: number;
}
/** A grant row carries the caller's metadata and appliesTo (up to about 38 KB): 500 of those were 19 MB in one read (export-source.ts). */
const DEFAULT_READS: ReportReads = { grantsPerRead: LARGE_ROW_PAGE_SIZE, sequencesPerRead: SLICE_SEQUENCES };

/** What the caller asks: `to` defaults to now (the environment's clock). */
export type RevenueReportInput = Omit<RevenueReportQuery, 'to'> & { to?: Instant | undefined };

/** One grant walked over the period: `price` null for credit that carries no revenue (promotional, paid without a cost). */
export interface WalkedGrant {
  grant: GrantRecord;
  price: bigint | null;
  credits: bigint;
  revenue: GrantRevenue;
}

/** The report as a stream, for exports: the checked query, and every grant of it walked, by grant ID, in bounded memory. */
export interface RevenueStream {
  query: RevenueReportQuery;
  readAt: Instant;
  closed: boolean;
  grants: AsyncIterable<WalkedGrant>;
}

/** Checks the query (the errors docs/finance.md lists) and returns the walk over its grants, not yet started. */
export async function streamRevenueReport(
  dependencies: AppDependencies,
  context: RequestContext,
  input: RevenueReportInput,
  reads: ReportReads = DEFAULT_READS,
): Promise<RevenueStream> {
  const environmentId = context.environment.id;
  requireCurrency(input.currency, 'currency');
  const now = currentTime(dependencies, context.environment);
  const query: RevenueReportQuery = Object.assign({}, input, { to: input.to ?? now });
  if (query.from >= query.to) throw validationError('from', "'from' must be earlier than 'to'.");
  if (query.to > now) throw validationError('to', `'to' must not be later than now (${new Date(now).toISOString()}): a report covers what has been booked.`);
  if (query.customerId !== undefined) {
    const customer = await dependencies.store.read((repository) => repository.accounts.getCustomer(environmentId, query.customerId!));
    if (!customer) throw notFound('customer', query.customerId, 'customerId');
  }
  if (query.startingAfter !== null) {
    const cursor = await dependencies.store.read((repository) => repository.grants.get(environmentId, query.startingAfter!));
    if (!cursor) throw validationError('startingAfter', `No grant with id '${query.startingAfter}' to start after.`);
  }
  return { query, readAt: now, closed: query.to + REPORT_SETTLE_MS <= now, grants: walkAllGrants(dependencies, environmentId, query, reads) };
}

/** GET /v1/reports/revenue: the totals over every grant, credit without revenue per unit, and one page of per-grant rows. */
export async function revenueReport(
  dependencies: AppDependencies,
  context: RequestContext,
  input: RevenueReportInput,
  reads: ReportReads = DEFAULT_READS,
): Promise<RevenueReport> {
  const stream = await streamRevenueReport(dependencies, context, input, reads);
  const { query } = stream;
  const summary = emptyRevenue();
  const withoutRevenue = new Map<string, CreditsWithoutRevenue>();
  const rows: GrantRevenueRow[] = [];
  let hasMore = false;
  for await (const { grant, price, credits, revenue } of stream.grants) {
    if (price === null) {
      const kind = grant.category === 'promotional' ? 'promotional' : 'paid_without_cost';
      const key = `${grant.unit}\u0000${kind}`;
      const entry = withoutRevenue.get(key) ?? { unit: grant.unit, kind, credits: emptyRevenue() };
      withoutRevenue.set(key, entry);
      addRevenue(entry.credits, revenue);
      continue;
    }
    addRevenue(summary, revenue);
    if (untouched(revenue) || (query.startingAfter !== null && grant.id <= query.startingAfter)) continue;
    if (rows.length < query.limit) rows.push({ grant, price, credits, revenue });
    else hasMore = true;
  }
  return {
    query,
    readAt: stream.readAt,
    closed: stream.closed,
    summary,
    withoutRevenue: [...withoutRevenue.values()].sort((a, b) => (a.unit === b.unit ? a.kind.localeCompare(b.kind) : a.unit < b.unit ? -1 : 1)),
    grants: { data: rows, hasMore },
  };
}

/** Every grant active before `to` (of the customer, if given) and not priced in another currency, walked a page of grants at a time. */
async function* walkAllGrants(dependencies: AppDependencies, environmentId: string, query: RevenueReportQuery, reads: ReportReads): AsyncGenerator<WalkedGrant> {
  const period: Period = { from: query.from, to: query.to };
  let after: string | null = null;
  for (;;) {
    const grants = await dependencies.store.read((repository) =>
      repository.grants.pageActivatedBefore(environmentId, {
        activatedBefore: query.to,
        ...(query.customerId !== undefined ? { customerId: query.customerId } : {}),
        after,
        limit: reads.grantsPerRead,
      }),
    );
    const priced = grants.flatMap((grant) => {
      const price = priceIn(grant, query.currency);
      return price === 'other_currency' ? [] : [{ grant, price }];
    });
    const walks = await walkGrants(dependencies, priced, period, reads.sequencesPerRead);
    for (const { grant, price } of priced) {
      const walked = walks.get(grant.id);
      if (walked) yield { grant, price, credits: walked.credits, revenue: walked.walk.revenue };
    }
    if (grants.length < reads.grantsPerRead) return;
    after = grants[grants.length - 1]!.id;
  }
}

/**
 * Walks the ledger entries of these grants booked before the period's end, a
 * slice of the grant's span per read (a much-used grant has many), into one
 * `GrantRevenueWalk` per grant, in booking order: a paid grant with a price is
 * paid (deferred) when its payment was booked (`paidAt`, else its creation),
 * whatever its effectiveAt, and its `grant` entry (always its first) adds
 * nothing more; any other grant starts at its `grant` entry. A void a credit
 * note records is a refund.
 */
async function walkGrants(
  dependencies: AppDependencies,
  grants: ReadonlyArray<{ grant: GrantRecord; price: bigint | null }>,
  period: Period,
  sequencesPerRead: number,
): Promise<Map<string, { walk: GrantRevenueWalk; credits: bigint }>> {
  const walks = new Map<string, { walk: GrantRevenueWalk; credits: bigint }>();
  for (const { grant, price } of grants) {
    if (price === null || grant.paymentPending) continue;
    const credits = await creditsBought(dependencies, grant);
    // Paid money is deferred revenue from when it was booked, not from when the grant becomes effective.
    const walk = new GrantRevenueWalk({ price, credits }, period);
    walk.add({ kind: 'granted', credits, bookedAt: grant.paidAt ?? grant.createdAt });
    // Voided before it became effective: no ledger entry records it, the money leaves as breakage when it was voided.
    if (grant.activatedAt === null && grant.voidedAt !== null) walk.add({ kind: 'breakage', credits, bookedAt: grant.voidedAt });
    walks.set(grant.id, { walk, credits });
  }
  const refunds = await dependencies.store.read((repository) => repository.creditNotes.refundEntriesOf(grants.map(({ grant }) => grant.id)));
  const slices = { after: null, descending: false, limit: Number.MAX_SAFE_INTEGER, filters: { bookedBefore: period.to }, sliceSequences: sequencesPerRead };
  for (const [index, { grant, price }] of grants.entries()) {
    // A turn of the event loop between grants as between slices: a page of 500 grants is not one long block.
    if (index > 0 && grant.firstEntrySequence !== null) await nextTurn();
    for await (const entries of grantEntrySlices(dependencies, grant, slices)) {
      for (const entry of entries) {
        const movement = movementOf(entry, refunds.has(`${entry.walletId}:${entry.sequence}`));
        if (!movement) continue;
        if (movement.kind === 'granted') {
          // A paid grant's money was walked above, from when it was booked.
          if (walks.has(grant.id)) continue;
          walks.set(grant.id, { walk: new GrantRevenueWalk({ price: price ?? 0n, credits: movement.credits }, period), credits: movement.credits });
        }
        walks.get(grant.id)?.walk.add(movement);
      }
    }
  }
  return walks;
}

/**
 * The credits a paid grant was bought with: its `grant` entry's, which is always its first. Not `grant.amount`,
 * which a rollover floor's top-ups grow (they carry no money: docs/finance.md#decisions). Only a grant with a floor
 * that has started can have been topped up, so only it costs this read.
 */
async function creditsBought(dependencies: AppDependencies, grant: GrantRecord): Promise<bigint> {
  const first = grant.firstEntrySequence;
  if (grant.resetMinRollover === null || grant.activatedAt === null || first === null) return grant.amount;
  const [entry] = await dependencies.store.read((repository) =>
    repository.ledger.walletSlice({ walletId: grant.walletId, grantId: grant.id, from: first, to: first, descending: false, limit: 1, filters: {} }),
  );
  return entry?.type === 'grant' ? entry.amount : grant.amount;
}

/**
 * A grant's price in minor units of `currency`: null when it carries no revenue
 * (promotional, or paid without a cost). A cost finer than the currency's minor
 * unit (possible on grants made with `cost` directly) is rounded half to even,
 * once, here (docs/finance.md#decisions).
 */
function priceIn(grant: GrantRecord, currency: string): bigint | null | 'other_currency' {
  if (grant.category !== 'paid' || grant.costAmount === null || grant.costCurrency === null) return null;
  if (grant.costCurrency !== currency) return 'other_currency';
  return divideHalfEven(grant.costAmount, 10n ** BigInt(AMOUNT_SCALE - (currencyScale(currency) ?? 2)));
}

export function untouched(revenue: GrantRevenue): boolean {
  return Object.values(revenue).every((part) => part.credits === 0n && part.money === 0n);
}

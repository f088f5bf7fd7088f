import { addFlows, historyBuckets, intervalsBefore, NO_FLOWS, type Flows, type HistoryInterval } from '../domain/balance-history.ts';
import type { BalanceView } from '../domain/balance.ts';
import { validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import { completeHistory, emptyBalance, loadReplayBase, readBalance, type BalanceResult } from './balances.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';

export interface HistoryPoint extends Flows {
  start: Instant;
  end: Instant;
  /** The balance at `end`. */
  balance: BalanceView;
}

export interface BalanceHistory {
  wallet: WalletRecord;
  from: Instant;
  to: Instant;
  interval: HistoryInterval;
  /** The balance at `from`. */
  opening: BalanceView;
  points: HistoryPoint[];
}

export const DEFAULT_HISTORY_BUCKETS = 30;

/**
 * One point per bucket of (from, to]: the balance at the bucket's end and what
 * the ledger moved within it. Computed from the ledger as one read snapshot holds
 * it (its entries read a slice at a time up to that snapshot's last: completeHistory).
 * The last point is what GET /v1/balances answers at `to` (`readBalance` when `to`
 * is now, else the same replay), so the two agree exactly; earlier points replay the
 * ledger to their end.
 */
export async function getBalanceHistory(
  dependencies: AppDependencies,
  context: RequestContext,
  request: WalletReference & { from?: Instant | undefined; to?: Instant | undefined; interval: HistoryInterval },
): Promise<BalanceHistory> {
  const { address } = await resolveWallet(dependencies, context, request);
  const now = currentTime(dependencies, context.environment);
  const to = request.to ?? now;
  if (to > now) throw validationError('to', "'to' must not be in the future.");
  const from = request.from ?? intervalsBefore(request.interval, to, DEFAULT_HISTORY_BUCKETS);
  const buckets = historyBuckets(from, to, request.interval);
  const work = { points: buckets.length + 1, param: 'interval' };
  // The balance at `to` when it is now, and what a replay needs, in one snapshot; then the entries, a slice per read (completeHistory).
  const read = await dependencies.store.read(async (repository) => {
    const wallet = await repository.wallets.find(address, { lock: false });
    if (!wallet) return undefined;
    const atTo = to === now ? await readBalance(dependencies, repository, address, now, now) : undefined;
    return { atTo, base: await loadReplayBase(repository, wallet, work) };
  });
  const history = read && (await completeHistory(dependencies, read.base));
  const last: BalanceResult = !read || !history ? emptyBalance(dependencies, address, to) : (read.atTo ?? { wallet: history.wallet, balance: history.balanceAt(to), walletExists: true });
  const balanceAt = (at: Instant) => (at === to ? last.balance : history ? history.balanceAt(at) : last.balance);
  const entries = history?.entries ?? [];
  let next = entries.findIndex((entry) => entry.effectiveAt > from);
  if (next < 0) next = entries.length;
  const points: HistoryPoint[] = [];
  for (const { start, end } of buckets) {
    let flows = NO_FLOWS;
    // Entries are in sequence order, which is effective-time order: each bucket takes the next run.
    while (next < entries.length && entries[next]!.effectiveAt <= end) flows = addFlows(flows, entries[next++]!);
    points.push({ start, end, balance: balanceAt(end), ...flows });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { wallet: last.wallet, from, to, interval: request.interval, opening: balanceAt(from), points };
}

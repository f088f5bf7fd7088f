import { setImmediate as nextTurn } from 'node:timers/promises';
import { addFlows, NO_FLOWS, type Flows } from '../domain/balance-history.ts';
import type { BalanceView } from '../domain/balance.ts';
import { validationError } from '../domain/errors.ts';
import { DAY_MS, projectRunway, type Runway } from '../domain/runway.ts';
import type { Instant } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import { readBalance } from './balances.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { nextSlice, SLICE_SEQUENCES } from './sequence-slices.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';

export const DEFAULT_RUNWAY_WINDOW_DAYS = 30;

export interface RunwayResult extends Runway {
  wallet: WalletRecord;
  balance: BalanceView;
  /** The window the burn rate was measured over: the last `windowDays`, or since the wallet was created if later. */
  windowStart: Instant;
  windowEnd: Instant;
  /** Consumed (debits and captures) within the window. */
  burned: BalanceView['available'];
}

/**
 * When the wallet runs out at its recent burn rate, and what expires soon.
 * The rate is what the ledger shows consumed over the window, spread evenly.
 * The balance, and where the window starts in the wallet's sequence, are read in
 * one snapshot; the window's entries are then summed a slice of the wallet's
 * sequence per read, a turn of the event loop apart (a busy wallet books hundreds
 * of thousands of entries in a window: read at once, they held the loop for
 * seconds and their memory). The ledger is append-only and the walk stops at the
 * snapshot's last sequence, so the slices sum what that snapshot held.
 */
export async function getRunway(
  dependencies: AppDependencies,
  context: RequestContext,
  request: WalletReference & { windowDays?: number | undefined },
  options: { sliceSequences?: number } = {},
): Promise<RunwayResult> {
  const windowDays = request.windowDays ?? DEFAULT_RUNWAY_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 365) throw validationError('windowDays', "'windowDays' must be a whole number of days from 1 to 365.");
  const { address } = await resolveWallet(dependencies, context, request);
  const now = currentTime(dependencies, context.environment);
  const { wallet, balance, walletExists, windowStart, firstSequence } = await dependencies.store.read(async (repository) => {
    const read = await readBalance(dependencies, repository, address, now, now);
    const start = Math.min(now, Math.max(now - windowDays * DAY_MS, read.wallet.createdAt));
    // Entries take effect in sequence order: the window is the wallet's sequences from this one to its last.
    const first = read.walletExists ? await repository.ledger.firstSequenceFrom(read.wallet.id, read.wallet.sequence, start, true) : 1;
    return Object.assign({}, read, { windowStart: start, firstSequence: first });
  });
  const flows = walletExists ? await windowFlows(dependencies, wallet, { from: firstSequence, windowStart, now, slice: options.sliceSequences ?? SLICE_SEQUENCES }) : NO_FLOWS;
  const burned = flows.consumed;
  const spendable = balance.grants.filter(({ status }) => status === 'active').map(({ grant }) => grant);
  const runway = projectRunway({ grants: spendable, now, burned, windowMs: now - windowStart });
  return Object.assign({}, runway, { wallet, balance, windowStart, windowEnd: now, burned });
}

/** What the wallet's entries in sequences [from, wallet.sequence] effective in (windowStart, now] moved: a slice per read, a turn between. */
async function windowFlows(dependencies: AppDependencies, wallet: WalletRecord, walk: { from: number; windowStart: Instant; now: Instant; slice: number }): Promise<Flows> {
  let flows = NO_FLOWS;
  let low = walk.from;
  const high = wallet.sequence;
  while (low <= high) {
    const { from, to } = nextSlice(low, high, walk.slice, false);
    const entries = await dependencies.store.read((repository) =>
      repository.ledger.walletSlice({ walletId: wallet.id, from, to, descending: false, limit: walk.slice, filters: { effectiveAt: { gt: walk.windowStart, lte: walk.now } } }),
    );
    flows = entries.reduce(addFlows, flows);
    low = to + 1;
    if (low <= high) await nextTurn();
  }
  return flows;
}

import { sumAmounts, ZERO, type Amount } from './amount.ts';
import { nextDueEvent } from './due-events.ts';
import { grantStatus } from './grant-status.ts';
import { parsePeriod, periodAt } from './periods.ts';
import type { GrantState, GrantStatus, Instant, WalletSnapshot } from './types.ts';
import { WalletTransaction } from './wallet-transaction.ts';

export interface GrantBalance {
  grant: GrantState;
  status: GrantStatus;
}

export interface BalanceView {
  at: Instant;
  /** Spendable now by a debit without a feature restriction or with a matching one. */
  available: Amount;
  held: Amount;
  /** Granted but not yet effective. */
  scheduled: Amount;
  /** Owed after overdraft debits. */
  overdraft: Amount;
  /** available − overdraft: equals the sum of all ledger entry amounts. */
  net: Amount;
  grants: GrantBalance[];
  /** The usage period containing `at`, and what was used in it; null when the wallet has none. */
  period: { start: Instant; end: Instant; usage: Amount } | null;
}

/**
 * The balance at `at`, from a snapshot of the wallet at or before `at`. Events
 * due by `at` that were not booked yet (a late sweep) are applied in memory, so a
 * read never counts a grant past its expiresAt.
 */
export function computeBalance(snapshot: WalletSnapshot, at: Instant): BalanceView {
  const advanced = advanceSnapshot(snapshot, at);
  const grants = advanced.grants.map((grant) => ({ grant, status: grantStatus(grant, at) }));
  const available = sumAmounts(grants.filter(({ status }) => status === 'active').map(({ grant }) => grant.available));
  const scheduled = sumAmounts(grants.filter(({ status }) => status === 'scheduled').map(({ grant }) => grant.available));
  const overdraft = advanced.wallet.overdraft;
  return {
    at,
    available,
    held: sumAmounts(advanced.grants.map((grant) => grant.held)),
    scheduled: scheduled === ZERO ? ZERO : scheduled,
    overdraft,
    net: available - overdraft,
    grants,
    period: usagePeriodAt(advanced, at),
  };
}

/**
 * Until when a balance computed at `from` stays what `computeBalance` answers, `at` aside: the
 * instant the wallet's next event falls due (an activation, an expiry, a reset, a hold's expiry,
 * a period turnover), or null if none ever does. A grant's status turns only at such an event
 * (one awaiting payment or voided keeps its status), and so does the usage period. `from` itself
 * when an event is already due by `from`: the snapshot is then advanced as of each instant asked
 * about, so nothing is steady.
 * Invariant (balance.property.test.ts): for every t in [from, until), computeBalance(snapshot, t)
 * equals computeBalance(snapshot, from) with `at` set to t.
 */
export function balanceSteadyUntil(snapshot: WalletSnapshot, from: Instant): Instant | null {
  const next = nextDueEvent(snapshot, Number.MAX_SAFE_INTEGER);
  return next === null ? null : Math.max(next.at, from);
}

function usagePeriodAt(snapshot: WalletSnapshot, at: Instant): BalanceView['period'] {
  const wallet = snapshot.wallet;
  if (wallet.period === null || wallet.periodAnchor === null) return null;
  const window = periodAt(wallet.periodAnchor, parsePeriod(wallet.period), at);
  return window && { start: window.start, end: window.end, usage: window.start === wallet.periodStart ? wallet.periodUsage : ZERO };
}

/**
 * The wallet as it is at `at`, with every due event applied in memory (nothing is booked):
 * a copy, or `snapshot` itself when no event is due by `at`. Either way it is only read.
 */
export function advanceSnapshot(snapshot: WalletSnapshot, at: Instant): WalletSnapshot {
  if (nextDueEvent(snapshot, at) === null) return snapshot;
  return new WalletTransaction(snapshot, at).snapshot;
}

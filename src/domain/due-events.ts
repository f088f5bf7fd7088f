import { activationInstant } from './grant-status.ts';
import { boundary, nextBoundaryAfter, parsePeriod } from './periods.ts';
import type { GrantState, HoldState, Instant, ScheduleState, WalletSnapshot } from './types.ts';

/**
 * Every kind of time-driven event, in the order they are booked when several fall
 * on the same instant: a grant starts; a hold lapses (its credit returns); a grant
 * expires; grants reset at a period boundary (carry, expire the rest, top up to a
 * floor; a schedule's grants reset together); a recurring schedule issues its
 * next grant; the usage period turns over.
 */
export type DueEvent =
  | { kind: 'activation'; at: Instant; grant: GrantState }
  | { kind: 'hold-expiry'; at: Instant; hold: HoldState }
  | { kind: 'grant-expiry'; at: Instant; grant: GrantState }
  | { kind: 'grant-reset'; at: Instant; grant: GrantState }
  | { kind: 'schedule-reset'; at: Instant; schedule: ScheduleState }
  | { kind: 'schedule-issue'; at: Instant; schedule: ScheduleState }
  | { kind: 'period-turnover'; at: Instant };

const rank: Record<DueEvent['kind'], number> = {
  activation: 0,
  'hold-expiry': 1,
  'grant-expiry': 2,
  'grant-reset': 3,
  'schedule-reset': 3,
  'schedule-issue': 4,
  'period-turnover': 5,
};

/** The earliest event due by `to` (ties: by kind as above, then creation order), or null. */
export function nextDueEvent(snapshot: WalletSnapshot, to: Instant): DueEvent | null {
  let best: DueEvent | null = null;
  const consider = (candidate: DueEvent) => {
    if (candidate.at > to) return;
    if (!best || candidate.at < best.at || (candidate.at === best.at && rank[candidate.kind] < rank[best.kind])) best = candidate;
  };
  for (const grant of snapshot.grants) {
    if (grant.voidedAt !== null || grant.paymentPending) continue;
    if (grant.activatedAt === null) {
      consider({ kind: 'activation', at: activationInstant(grant), grant });
      continue;
    }
    if (grant.expiredAt !== null) continue;
    if (grant.expiresAt !== null) consider({ kind: 'grant-expiry', at: grant.expiresAt, grant });
    const resetAt = nextResetAt(snapshot, grant);
    if (resetAt === null) continue;
    // A schedule's grants reset together, as one event (see resetSchedule).
    const schedule = grant.scheduleId === null ? undefined : snapshot.schedules.find((candidate) => candidate.id === grant.scheduleId);
    if (schedule) consider({ kind: 'schedule-reset', at: resetAt, schedule });
    else consider({ kind: 'grant-reset', at: resetAt, grant });
  }
  for (const hold of snapshot.holds) {
    if (hold.status === 'active') consider({ kind: 'hold-expiry', at: hold.expiresAt, hold });
  }
  for (const schedule of snapshot.schedules) {
    const at = nextIssueAt(schedule);
    if (at !== null) consider({ kind: 'schedule-issue', at, schedule });
  }
  const wallet = snapshot.wallet;
  if (wallet.period !== null && wallet.periodAnchor !== null) {
    const at = wallet.periodStart === null ? wallet.periodAnchor : nextBoundaryAfter(wallet.periodAnchor, parsePeriod(wallet.period), wallet.periodStart);
    consider({ kind: 'period-turnover', at });
  }
  return best;
}

/** When a schedule issues next: boundary `issuedCount`, unless it is cancelled or has ended by then. */
export function nextIssueAt(schedule: ScheduleState): Instant | null {
  if (schedule.cancelledAt !== null) return null;
  const at = boundary(schedule.anchor, parsePeriod(schedule.recurrencePeriod), schedule.issuedCount);
  return schedule.endsAt !== null && at >= schedule.endsAt ? null : at;
}

/**
 * The period whose boundaries reset a grant: the wallet's usage period when it
 * has one, else the period of the schedule that issued the grant. A grant with
 * neither cap nor floor never resets: all that is left carries over.
 */
export function resetPeriodOf(snapshot: WalletSnapshot, grant: GrantState): { anchor: Instant; period: string } | null {
  if (grant.resetMaxRollover === null && grant.resetMinRollover === null) return null;
  const wallet = snapshot.wallet;
  if (wallet.period !== null && wallet.periodAnchor !== null) return { anchor: wallet.periodAnchor, period: wallet.period };
  const schedule = grant.scheduleId === null ? undefined : snapshot.schedules.find((candidate) => candidate.id === grant.scheduleId);
  return schedule ? { anchor: schedule.anchor, period: schedule.recurrencePeriod } : null;
}

export function nextResetAt(snapshot: WalletSnapshot, grant: GrantState): Instant | null {
  if (grant.activatedAt === null || grant.voidedAt !== null || grant.expiredAt !== null) return null;
  const resetPeriod = resetPeriodOf(snapshot, grant);
  if (!resetPeriod) return null;
  return nextBoundaryAfter(resetPeriod.anchor, parsePeriod(resetPeriod.period), grant.lastResetAt ?? grant.activatedAt!);
}

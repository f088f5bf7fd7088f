import { activationInstant } from './grant-status.ts';
import { boundary, nextBoundaryAfter, parsePeriod, periodIndexAt } from './periods.ts';
import type { GrantState, HoldState, Instant, ScheduleState, WalletSnapshot } from './types.ts';

/**
 * Every kind of time-driven event, in the order they are booked when several fall
 * on the same instant: a grant starts; a hold lapses (its credit returns); a grant
 * expires; grants of their own reset at a period boundary (carry, expire the rest,
 * top up to a floor), then recurring schedules' grants (each schedule's together);
 * a recurring schedule issues its next grant; the usage period turns over.
 *
 * Invariant: the order never depends on which grants a store loaded or in what
 * order. Events of one kind at one instant go in creation order: grants by ordinal,
 * holds and schedules as the snapshot lists them (creation order: stores load them
 * by their time-sortable IDs). So a jump over many boundaries books exactly what
 * stepping through them would, although a step loads fewer grants.
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
  'schedule-reset': 4,
  'schedule-issue': 5,
  'period-turnover': 6,
};

/** The earliest event due by `to` (ties: by kind as above, then creation order), or null. */
export function nextDueEvent(snapshot: WalletSnapshot, to: Instant): DueEvent | null {
  // The best so far is kept as its parts; an event object is made only for a candidate that beats it (this runs
  // several times per operation, over every live grant).
  let best: DueEvent | null = null;
  let bestAt = 0;
  let bestRank = 0;
  let bestOrder = 0;
  /** Whether an event of `kind` at `at` would be the best so far. `order`: creation order among events of one kind. */
  const beats = (kind: DueEvent['kind'], at: Instant, order: number): boolean => {
    if (at > to) return false;
    if (best === null || at !== bestAt) return best === null || at < bestAt;
    if (rank[kind] !== bestRank) return rank[kind] < bestRank;
    return order < bestOrder;
  };
  const choose = (event: DueEvent, order: number): void => {
    best = event;
    bestAt = event.at;
    bestRank = rank[event.kind];
    bestOrder = order;
  };
  for (const grant of snapshot.grants) {
    if (grant.voidedAt !== null || grant.paymentPending) continue;
    if (grant.activatedAt === null) {
      const at = activationInstant(grant);
      if (beats('activation', at, grant.ordinal)) choose({ kind: 'activation', at, grant }, grant.ordinal);
      continue;
    }
    if (grant.expiredAt !== null) continue;
    if (grant.expiresAt !== null && beats('grant-expiry', grant.expiresAt, grant.ordinal)) choose({ kind: 'grant-expiry', at: grant.expiresAt, grant }, grant.ordinal);
    const resetAt = nextResetAt(snapshot, grant);
    if (resetAt === null) continue;
    // A schedule's grants reset together, as one event (see resetSchedule).
    const scheduleIndex = grant.scheduleId === null ? -1 : snapshot.schedules.findIndex((candidate) => candidate.id === grant.scheduleId);
    if (scheduleIndex >= 0) {
      if (beats('schedule-reset', resetAt, scheduleIndex)) choose({ kind: 'schedule-reset', at: resetAt, schedule: snapshot.schedules[scheduleIndex]! }, scheduleIndex);
    } else if (beats('grant-reset', resetAt, grant.ordinal)) {
      choose({ kind: 'grant-reset', at: resetAt, grant }, grant.ordinal);
    }
  }
  for (let index = 0; index < snapshot.holds.length; index += 1) {
    const hold = snapshot.holds[index]!;
    if (hold.status === 'active' && beats('hold-expiry', hold.expiresAt, index)) choose({ kind: 'hold-expiry', at: hold.expiresAt, hold }, index);
  }
  for (let index = 0; index < snapshot.schedules.length; index += 1) {
    const schedule = snapshot.schedules[index]!;
    const at = nextIssueAt(schedule);
    if (at !== null && beats('schedule-issue', at, index)) choose({ kind: 'schedule-issue', at, schedule }, index);
  }
  const wallet = snapshot.wallet;
  if (wallet.period !== null && wallet.periodAnchor !== null) {
    const at = wallet.periodStart === null ? wallet.periodAnchor : nextBoundaryAfter(wallet.periodAnchor, parsePeriod(wallet.period), wallet.periodStart);
    if (beats('period-turnover', at, 0)) choose({ kind: 'period-turnover', at }, 0);
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
export function resetPeriodOf(snapshot: Pick<WalletSnapshot, 'wallet' | 'schedules'>, grant: GrantState): { anchor: Instant; period: string } | null {
  if (grant.resetMaxRollover === null && grant.resetMinRollover === null) return null;
  const wallet = snapshot.wallet;
  if (wallet.period !== null && wallet.periodAnchor !== null) return { anchor: wallet.periodAnchor, period: wallet.period };
  const schedule = grant.scheduleId === null ? undefined : snapshot.schedules.find((candidate) => candidate.id === grant.scheduleId);
  return schedule ? { anchor: schedule.anchor, period: schedule.recurrencePeriod } : null;
}

export function nextResetAt(snapshot: Pick<WalletSnapshot, 'wallet' | 'schedules'>, grant: GrantState): Instant | null {
  if (grant.activatedAt === null || grant.voidedAt !== null || grant.expiredAt !== null) return null;
  const resetPeriod = resetPeriodOf(snapshot, grant);
  if (!resetPeriod) return null;
  return nextBoundaryAfter(resetPeriod.anchor, parsePeriod(resetPeriod.period), grant.lastResetAt ?? grant.activatedAt!);
}

/**
 * The first boundary after `after` at which a grant with nothing left may be
 * topped up to its floor, or null: the wallet's usage period, else the period of
 * each schedule with a floor (cancelled or not: its grants keep resetting). Stores
 * load grants that are drained but have a floor only when a step crosses such a
 * boundary (they need nothing before), so the hot path never reads them.
 */
export function nextFloorBoundaryAfter(snapshot: Pick<WalletSnapshot, 'wallet' | 'schedules'>, after: Instant): Instant | null {
  const wallet = snapshot.wallet;
  if (wallet.period !== null && wallet.periodAnchor !== null) return nextBoundaryAfter(wallet.periodAnchor, parsePeriod(wallet.period), after);
  let next: Instant | null = null;
  for (const schedule of snapshot.schedules) {
    if (schedule.resetMinRollover === null || schedule.resetMinRollover <= 0n) continue;
    const at = nextBoundaryAfter(schedule.anchor, parsePeriod(schedule.recurrencePeriod), after);
    if (next === null || at < next) next = at;
  }
  return next;
}

/**
 * A grant that missed resets up to `bookedUntil` (drained before floors brought
 * such grants back, so never loaded at those boundaries) resumes at the first
 * boundary after it, with nothing booked for those it missed: entries are never
 * booked into the past.
 */
export function resumeResets(snapshot: Pick<WalletSnapshot, 'wallet' | 'schedules'>, grant: GrantState, bookedUntil: Instant): GrantState {
  const next = nextResetAt(snapshot, grant);
  if (next === null || next > bookedUntil) return grant;
  const resetPeriod = resetPeriodOf(snapshot, grant)!;
  const period = parsePeriod(resetPeriod.period);
  return { ...grant, lastResetAt: boundary(resetPeriod.anchor, period, periodIndexAt(resetPeriod.anchor, period, bookedUntil)) };
}

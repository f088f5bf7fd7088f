import { ZERO, type Amount } from './amount.ts';
import { validationError } from './errors.ts';
import { boundary, nextBoundaryAfter, type Period } from './periods.ts';
import type { Instant, LedgerEntryDraft } from './types.ts';

export type HistoryInterval = 'hour' | 'day' | 'week' | 'month';

/** At most this many buckets per request: each point replays the wallet's ledger. */
export const MAX_HISTORY_BUCKETS = 400;

const HOUR_MS = 3_600_000;
/** 1970-01-05 was a Monday: weeks start on Monday, 00:00 UTC (ISO 8601). */
const FIRST_MONDAY = 4 * 86_400_000;
const CALENDAR: Record<Exclude<HistoryInterval, 'hour'>, { anchor: Instant; period: Period }> = {
  day: { anchor: 0, period: { unit: 'day', count: 1 } },
  week: { anchor: FIRST_MONDAY, period: { unit: 'week', count: 1 } },
  month: { anchor: 0, period: { unit: 'month', count: 1 } },
};

/** The first calendar boundary of `interval` (UTC) strictly after `at`. */
export function nextIntervalStart(interval: HistoryInterval, at: Instant): Instant {
  if (interval === 'hour') return (Math.floor(at / HOUR_MS) + 1) * HOUR_MS;
  const { anchor, period } = CALENDAR[interval];
  return at < anchor ? anchor : nextBoundaryAfter(anchor, period, at);
}

/** `count` intervals before `at` (calendar months for 'month'). */
export function intervalsBefore(interval: HistoryInterval, at: Instant, count: number): Instant {
  if (interval === 'hour') return at - count * HOUR_MS;
  if (interval === 'month') return boundary(at, { unit: 'month', count: 1 }, -count);
  return at - count * (interval === 'week' ? 7 : 1) * 86_400_000;
}

export interface Bucket {
  start: Instant;
  end: Instant;
}

/**
 * Buckets covering (from, to]: split at every calendar boundary of `interval`
 * (UTC) strictly between them, so the first and last may be partial. Each
 * bucket's point is its balance at `end`; the last `end` is `to`.
 */
export function historyBuckets(from: Instant, to: Instant, interval: HistoryInterval): Bucket[] {
  if (!(from < to)) throw validationError('from', "'from' must be before 'to'.");
  const buckets: Bucket[] = [];
  let start = from;
  while (start < to) {
    const end = Math.min(nextIntervalStart(interval, start), to);
    buckets.push({ start, end });
    if (buckets.length > MAX_HISTORY_BUCKETS) {
      throw validationError('interval', `At most ${MAX_HISTORY_BUCKETS} buckets per request: narrow from/to or use a longer interval.`);
    }
    start = end;
  }
  return buckets;
}

export interface Flows {
  /** Grants activated and floor top-ups. */
  granted: Amount;
  /** Debits (including overdraft) and captured holds. */
  consumed: Amount;
  expired: Amount;
  voided: Amount;
}

export const NO_FLOWS: Flows = { granted: ZERO, consumed: ZERO, expired: ZERO, voided: ZERO };

/**
 * What the entries moved, by kind. Invariant: for any set of entries,
 * Σ(amount + heldAmount) = granted − consumed − expired − voided
 * (holds and releases move credit between available and held; an overdraft
 * repayment's two entries cancel).
 */
export function addFlows(flows: Flows, entry: Pick<LedgerEntryDraft, 'type' | 'amount' | 'heldAmount'>): Flows {
  switch (entry.type) {
    case 'grant':
    case 'adjustment':
      return { ...flows, granted: flows.granted + entry.amount };
    case 'debit':
    case 'overdraft':
      return { ...flows, consumed: flows.consumed - entry.amount };
    case 'capture':
      return { ...flows, consumed: flows.consumed - entry.heldAmount };
    case 'expiry':
      return { ...flows, expired: flows.expired - entry.amount };
    case 'void':
      return { ...flows, voided: flows.voided - entry.amount };
    default:
      return flows;
  }
}

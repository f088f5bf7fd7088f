import { validationError } from './errors.ts';
import type { Instant } from './types.ts';

/**
 * Calendar periods in UTC (time zones are never used, so DST cannot move a
 * boundary). A period is an ISO 8601 duration of one unit: PnD, PnW, PnM or PnY.
 *
 * Invariant: boundary k is computed from the anchor directly (never by adding
 * periods one after another), so month ends do not drift: a monthly period
 * anchored on Jan 31 has boundaries Feb 28 (or 29), Mar 31, Apr 30, …
 */
export interface Period {
  unit: 'day' | 'week' | 'month' | 'year';
  count: number;
}

const PERIOD_PATTERN = /^P([1-9]\d{0,3})([DWMY])$/;
const UNITS = { D: 'day', W: 'week', M: 'month', Y: 'year' } as const;
/**
 * At most 100 years in any unit (9999 days is 27): a boundary is then never more than a century after the time
 * it follows (a period of 9999 years would put a wallet's period end thousands of years past any time it takes).
 */
const MAX_COUNT = { D: 9999, W: 5217, M: 1200, Y: 100 } as const;
const DAY_MS = 86_400_000;

export function parsePeriod(text: string, param = 'period'): Period {
  const match = PERIOD_PATTERN.exec(text);
  if (!match) throw validationError(param, `'${param}' must be an ISO 8601 duration of one unit, such as P1D, P1W, P1M or P1Y.`);
  const letter = match[2] as keyof typeof UNITS;
  const count = Number(match[1]);
  if (count > MAX_COUNT[letter]) throw validationError(param, `'${param}' may be at most 100 years (P100Y, P1200M, P5217W or P9999D).`);
  return { unit: UNITS[letter], count };
}

export function formatPeriod(period: Period): string {
  const letter = { day: 'D', week: 'W', month: 'M', year: 'Y' }[period.unit];
  return `P${period.count}${letter}`;
}

/** The k-th boundary (k >= 0) of a period sequence starting at `anchor`. */
export function boundary(anchor: Instant, period: Period, index: number): Instant {
  if (period.unit === 'day') return anchor + index * period.count * DAY_MS;
  if (period.unit === 'week') return anchor + index * period.count * 7 * DAY_MS;
  const months = index * period.count * (period.unit === 'year' ? 12 : 1);
  const start = new Date(anchor);
  const targetMonth = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  const timeOfDay = anchor - Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  return Date.UTC(year, month, day) + timeOfDay;
}

/** The shortest a period can be (a month is at least 28 days, a year 365): no two of its boundaries are closer. */
export function shortestLengthMs(period: Period): number {
  return { day: DAY_MS, week: 7 * DAY_MS, month: 28 * DAY_MS, year: 365 * DAY_MS }[period.unit] * period.count;
}

/** The index of the period containing `at` (the last boundary <= at), or -1 before the anchor. */
export function periodIndexAt(anchor: Instant, period: Period, at: Instant): number {
  if (at < anchor) return -1;
  // Estimate from the average length, then correct: exact whatever the month lengths.
  const averageMs = { day: DAY_MS, week: 7 * DAY_MS, month: 30.436875 * DAY_MS, year: 365.2425 * DAY_MS }[period.unit] * period.count;
  let index = Math.max(0, Math.floor((at - anchor) / averageMs) - 1);
  while (boundary(anchor, period, index + 1) <= at) index += 1;
  while (index > 0 && boundary(anchor, period, index) > at) index -= 1;
  return index;
}

export interface PeriodWindow {
  index: number;
  start: Instant;
  end: Instant;
}

/** The period containing `at`, or null before the anchor. */
export function periodAt(anchor: Instant, period: Period, at: Instant): PeriodWindow | null {
  const index = periodIndexAt(anchor, period, at);
  if (index < 0) return null;
  return { index, start: boundary(anchor, period, index), end: boundary(anchor, period, index + 1) };
}

/** The first boundary strictly after `at`. */
export function nextBoundaryAfter(anchor: Instant, period: Period, at: Instant): Instant {
  if (at < anchor) return anchor;
  return boundary(anchor, period, periodIndexAt(anchor, period, at) + 1);
}

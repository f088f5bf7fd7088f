import type { Instant } from './types.ts';

/*
 * The reference model's calendar (reference-model.ts), for tests only: UTC, month ends clamp, boundary k counted
 * from the anchor. It shares no code with the engine's calendar, so the property tests that run both check one
 * against the other.
 */

const DAY = 86_400_000;

export interface CalendarPeriod {
  unit: 'D' | 'W' | 'M' | 'Y';
  count: number;
}

export function calendarPeriod(text: string): CalendarPeriod {
  const match = /^P(\d+)([DWMY])$/.exec(text);
  if (!match) throw new Error(`bad period ${text}`);
  return { unit: match[2] as CalendarPeriod['unit'], count: Number(match[1]) };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]!;
}

/** Boundary k of a period sequence: the anchor plus k periods, the day clamped to the month's last. */
export function nthBoundary(anchor: Instant, period: CalendarPeriod, k: number): Instant {
  if (period.unit === 'D') return anchor + k * period.count * DAY;
  if (period.unit === 'W') return anchor + k * period.count * 7 * DAY;
  const date = new Date(anchor);
  const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + k * period.count * (period.unit === 'Y' ? 12 : 1);
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  const timeOfDay = anchor - Math.floor(anchor / DAY) * DAY;
  return Date.UTC(year, month, 1) + (day - 1) * DAY + timeOfDay;
}

/** The index of the last boundary at or before `at`, or -1 before the anchor. */
export function indexAt(anchor: Instant, period: CalendarPeriod, at: Instant): number {
  if (at < anchor) return -1;
  let k: number;
  if (period.unit === 'D' || period.unit === 'W') {
    k = Math.floor((at - anchor) / ((period.unit === 'D' ? 1 : 7) * period.count * DAY));
  } else {
    const from = new Date(anchor);
    const to = new Date(at);
    const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
    k = Math.floor(months / (period.count * (period.unit === 'Y' ? 12 : 1)));
  }
  while (k > 0 && nthBoundary(anchor, period, k) > at) k -= 1;
  while (nthBoundary(anchor, period, k + 1) <= at) k += 1;
  return k;
}

export function firstBoundaryAfter(anchor: Instant, period: CalendarPeriod, at: Instant): Instant {
  return nthBoundary(anchor, period, indexAt(anchor, period, at) + 1);
}

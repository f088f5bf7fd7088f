import { validationError } from '../domain/errors.ts';
import { withinInstantRange } from '../domain/instant-range.ts';
import type { Instant } from '../domain/types.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses an RFC 3339 timestamp with a `Z` or an offset. Impossible dates
 * (February 30, hour 24) are rejected rather than rolled over as Date.parse does.
 * Precision beyond milliseconds is rejected, not truncated. An offset that takes the instant out of years
 * 0000–9999 is rejected too (withinInstantRange): the API could not write it back.
 */
export function parseTimestamp(value: string, param: string): Instant {
  const match = RFC3339.exec(value);
  if (!match) throw validationError(param, `'${param}' must be an RFC 3339 timestamp such as 2026-01-31T00:00:00.000Z.`);
  const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match;
  const parts = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = parts;
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
  const check = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  check.setUTCFullYear(y, mo - 1, d);
  const utc = check.getTime();
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw validationError(param, `'${param}' is not a real date and time: ${value}.`);
  }
  if (fraction.replace(/0+$/, '').length > 3) throw validationError(param, `'${param}' has more precision than milliseconds.`);
  const milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const [offsetHours, offsetRest] = offset.slice(1).split(':').map(Number) as [number, number];
    if (offsetHours > 23 || offsetRest > 59) throw validationError(param, `'${param}' has an impossible UTC offset.`);
    offsetMinutes = sign * (offsetHours * 60 + offsetRest);
  }
  const instant = utc + milliseconds - offsetMinutes * 60_000;
  if (!withinInstantRange(instant)) {
    throw validationError(param, `'${param}' must be between 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.`);
  }
  return instant;
}

export function parseOptionalTimestamp(value: string | undefined | null, param: string): Instant | undefined | null {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return parseTimestamp(value, param);
}

/**
 * Instants formatted lately. A response formats the same few instants again and again (a wallet's
 * grants, the balance's `at` within one millisecond), and `toISOString` costs about half a
 * microsecond where a lookup costs a few nanoseconds. Bounded: emptied when full.
 */
const formatted = new Map<Instant, string>();
const FORMATTED_MAX = 4096;

export function toTimestamp(instant: Instant): string {
  let text = formatted.get(instant);
  if (text === undefined) {
    text = new Date(instant).toISOString();
    if (formatted.size >= FORMATTED_MAX) formatted.clear();
    formatted.set(instant, text);
  }
  return text;
}

export function toOptionalTimestamp(instant: Instant | null): string | null {
  return instant === null ? null : toTimestamp(instant);
}

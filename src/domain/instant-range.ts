import type { Instant } from './types.ts';

/**
 * The instants the API takes and shows: years 0000 to 9999, what an RFC 3339 timestamp's four-digit year (and
 * `toISOString`) can write. Every surface that reads a time (RFC 3339 text with any offset, a dialect's unix
 * seconds) refuses one outside, so no stored time is shown in a form the API itself would refuse.
 */
export const EARLIEST_INSTANT: Instant = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
export const LATEST_INSTANT: Instant = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

export function withinInstantRange(instant: Instant): boolean {
  return instant >= EARLIEST_INSTANT && instant <= LATEST_INSTANT;
}

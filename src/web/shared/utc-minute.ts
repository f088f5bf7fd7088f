/**
 * A UTC time to the minute as a person types it: "2026-03-01 17:30", 24-hour. Browsers' datetime-local pickers
 * follow the computer's locale (a 12-hour clock with AM/PM in the US) and look like local time, so the console
 * reads plain text instead: the same on every machine, and what is sent is exactly the minute typed, in UTC.
 * The calendar is checked here with integers, never rolled over: 2026-02-30 or 25:00 is an error, not March 2nd.
 */

/** What a blank or valid field means, or what is wrong with it. */
export type UtcMinute = { ok: true; iso: string; minute: string } | { ok: false; problem: string };

/** The form shown in fields and placeholders. */
export const UTC_MINUTE_FORMAT = 'YYYY-MM-DD HH:MM';

// A "T" (pasted ISO) and a trailing "UTC" or "Z" (copied from a page, which writes times as "2026-03-01 17:30 UTC") are read too.
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})(?:\s+|T)(\d{2}):(\d{2})(?:\s*(?:UTC|Z))?$/i;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Reads typed text (trimmed); the caller decides whether blank is allowed. */
export function readUtcMinute(text: string): UtcMinute {
  const match = SHAPE.exec(text.trim());
  if (!match) return { ok: false, problem: `write it as ${UTC_MINUTE_FORMAT}, 24-hour UTC, e.g. 2026-03-01 17:30` };
  const [, yearText, monthText, dayText, hourText, minuteText] = match as unknown as [string, string, string, string, string, string];
  const [year, month, day, hour, minute] = [yearText, monthText, dayText, hourText, minuteText].map(Number) as [number, number, number, number, number];
  const problems: string[] = [];
  const date = `${yearText}-${monthText}-${dayText}`;
  if (month < 1 || month > 12) problems.push(`${date} is not a real date (there is no month ${monthText})`);
  else if (day < 1 || day > daysIn(year, month)) problems.push(`${date} is not a real date (${MONTHS[month - 1]} ${yearText} has ${daysIn(year, month)} days)`);
  if (hour > 23 || minute > 59) problems.push(`${hourText}:${minuteText} is not a 24-hour time (00:00 to 23:59)`);
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return { ok: true, iso: `${date}T${hourText}:${minuteText}:00.000Z`, minute: `${date}T${hourText}:${minuteText}` };
}

/**
 * How a field shows a minute kept in a URL or given by the API ("2026-03-01T17:30", or a whole ISO timestamp):
 * with a space, as typed. Anything else (an impossible date from a shared link) is shown as it is, to be corrected.
 */
export function showUtcMinute(value: string | undefined): string {
  if (!value) return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(value);
  return match ? `${match[1]} ${match[2]}` : value;
}

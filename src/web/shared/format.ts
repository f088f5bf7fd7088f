/** Dates are shown in UTC, as the API stores them, so two operators never see different days. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function formatDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

/** "in 3 days", "2 hours ago", relative to `now` (the environment's clock). */
export function relative(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  const abs = Math.abs(delta);
  const [value, unit] =
    abs >= 86_400_000 ? [Math.round(abs / 86_400_000), 'day'] : abs >= 3_600_000 ? [Math.round(abs / 3_600_000), 'hour'] : [Math.max(1, Math.round(abs / 60_000)), 'minute'];
  const text = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

export const DAY_MS = 86_400_000;

/**
 * The start of the UTC month `now` falls in, as a URL keeps a minute ("2026-12-01T00:00", UTC);
 * the month before when `now` is within that month's first minute, so a period from it to
 * now is never empty (a report's `from` must be before its `to`).
 */
export function monthStartBefore(now: number): string {
  const date = new Date(now - 60_000);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)).toISOString().slice(0, 16);
}

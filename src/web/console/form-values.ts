/** How the console's dialogs and filters read their forms and send their keys. */
import { readUtcMinute, type UtcMinute } from '../shared/utc-minute.ts';

/** The request option carrying an action dialog's idempotency key. */
export const idempotent = (key: string) => ({ headers: { 'Idempotency-Key': key } });

/** A form field's trimmed text, or undefined when it was left blank. */
export const optional = (form: FormData, name: string) => {
  const value = String(form.get(name) ?? '').trim();
  return value === '' ? undefined : value;
};

/**
 * A UtcMinuteField's minute, or undefined when blank. The form was checked before this is read (the field's
 * validity holds its problem), so an invalid one is a bug: it throws, to be shown, rather than send a guess.
 */
export const utcMinute = (form: FormData, name: string): Extract<UtcMinute, { ok: true }> | undefined => {
  const text = optional(form, name);
  if (text === undefined) return undefined;
  const read = readUtcMinute(text);
  if (!read.ok) throw new Error(read.problem);
  return read;
};

/** A minute kept in the URL ("2026-03-01T17:30", UTC) as the API's timestamp; passed on as it is, so the API names what is wrong with it. */
export const utc = (value: string | undefined) => (value ? `${value}:00.000Z` : undefined);

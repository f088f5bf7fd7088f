/** How the console's dialogs and filters read their forms and send their keys. */

/** The request option carrying an action dialog's idempotency key. */
export const idempotent = (key: string) => ({ headers: { 'Idempotency-Key': key } });

/** A form field's trimmed text, or undefined when it was left blank. */
export const optional = (form: FormData, name: string) => {
  const value = String(form.get(name) ?? '').trim();
  return value === '' ? undefined : value;
};

/** datetime-local inputs are read as UTC, like every time on these pages. */
export const utc = (value: string | undefined) => (value ? `${value}:00.000Z` : undefined);

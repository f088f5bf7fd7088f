import { validationError } from '../domain/errors.ts';

/**
 * The names an operator gives API keys and test environments: one rule for both, on every surface
 * (the API's schemas hold the same length, security-schemas.ts; the CLI checks before it writes).
 */
export const MAX_OPERATOR_NAME_LENGTH = 100;

/** Unicode's control characters (C0, DEL and C1): `keys list` and `env list` print one tab-separated row per line. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Refuses a name that is empty, longer than MAX_OPERATOR_NAME_LENGTH or holds a control character, naming `param`. */
export function checkOperatorName(name: string | null | undefined, param: string): void {
  if (typeof name !== 'string') return;
  // Characters as the API's schema counts them: code points, not UTF-16 units.
  const characters = [...name];
  if (characters.length === 0 || characters.length > MAX_OPERATOR_NAME_LENGTH) {
    throw validationError(param, `'${param}' must be a string of 1 to ${MAX_OPERATOR_NAME_LENGTH} characters; it has ${characters.length}.`);
  }
  const at = characters.findIndex((character) => CONTROL_CHARACTER.test(character));
  if (at !== -1) {
    const code = characters[at]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw validationError(param, `'${param}' must not contain control characters (U+0000 to U+001F, U+007F to U+009F); it has U+${code} at character ${at + 1}.`);
  }
}

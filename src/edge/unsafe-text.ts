import { validationError } from '../domain/errors.ts';

/**
 * Text no surface accepts, in any string or key of a body, query or path:
 * - NUL (U+0000), which PostgreSQL cannot store in text (and SQLite would cut C strings at);
 * - an unpaired UTF-16 surrogate (`"\ud800"` in JSON), which cannot be stored as
 *   UTF-8 and read back unchanged.
 * Throws a validation error naming the parameter; walks at most MAX_DEPTH levels
 * (parsers refuse deeper bodies first).
 */
const MAX_DEPTH = 64;
/** With the u flag a surrogate pair is one code point, so this matches unpaired halves only. */
const LONE_SURROGATE = /\p{Cs}/u;

export function refuseUnsafeText(value: unknown, where: string): void {
  // Nearly every request holds no such text: a walk that builds no paths says so, and only then are they built.
  if (holdsUnsafeText(value, 0)) refuseNaming(value, where);
}

/** Whether any string or key within MAX_DEPTH levels of `value` is unsafe (what `refuseNaming` looks at, in no particular order). */
function holdsUnsafeText(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isUnsafe(value);
  if (!value || typeof value !== 'object' || depth >= MAX_DEPTH) return false;
  // Own enumerable string keys, as Object.entries gives them.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (isUnsafe(key) || holdsUnsafeText((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function isUnsafe(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

/** Throws for the first unsafe text found, naming its parameter. */
function refuseNaming(value: unknown, where: string): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      checkText(item.value, item.path || where);
      continue;
    }
    if (!item.value || typeof item.value !== 'object' || item.depth >= MAX_DEPTH) continue;
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      checkText(key, path);
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
}

function checkText(text: string, param: string): void {
  if (!isUnsafe(text)) return;
  if (text.includes('\u0000')) throw validationError(param, `'${param}' contains a NUL character (U+0000), which is not accepted in text.`);
  throw validationError(param, `'${param}' contains an unpaired UTF-16 surrogate; send well-formed Unicode text.`);
}

import { isUtf8 } from 'node:buffer';
import { CreditbookError, validationError } from '../domain/errors.ts';

/**
 * Text a request sends is UTF-8, checked, never repaired: a decoder puts U+FFFD in place of bytes that are not
 * UTF-8 (`Caf\xe9`), and a percent-decoder leaves an escape it cannot decode as it was (`%ED%A0%80`), so either
 * way what was stored would not be what the client meant. Both are refused, naming where.
 */

/** A body's bytes as text; bytes that are not UTF-8 are `refusal()`. `isUtf8` is simdutf's check, about as fast as the decode. */
export function utf8BodyText(body: Buffer, refusal: () => CreditbookError): string {
  if (!isUtf8(body)) throw refusal();
  return body.toString('utf8');
}

/** The refusal of a JSON body that is not UTF-8 (RFC 8259 §8.1: JSON text is UTF-8). */
export function jsonBodyNotUtf8(): CreditbookError {
  return new CreditbookError('invalid_json', 'The body is not valid UTF-8; JSON must be sent as UTF-8.');
}

/** The refusal of a form body that is not UTF-8. */
export function formBodyNotUtf8(): CreditbookError {
  return validationError('body', 'The body is not valid UTF-8; send form fields as UTF-8, percent-encoded.');
}

/** A run of percent escapes: decoded together, as a multi-byte character spans several. */
const ESCAPE_RUN = /(?:%[0-9a-f]{2})+/gi;

/**
 * Refuses a query string or form body holding percent escapes that do not decode as UTF-8 (a lone `%` that escapes
 * nothing is left alone, as the parsers leave it), naming the field. Most text has no `%` and costs one scan.
 */
export function refuseUndecodableEscapes(text: string, where: 'query' | 'body'): void {
  if (!text.includes('%')) return;
  for (const field of text.split('&')) {
    for (const run of field.match(ESCAPE_RUN) ?? []) {
      try {
        decodeURIComponent(run);
      } catch {
        const name = decodedName(field.split('=', 1)[0]!);
        throw validationError(name ?? where, `'${name ?? where}' holds the percent-encoded bytes ${run}, which are not UTF-8.`);
      }
    }
  }
}

/** A '%' that starts no escape, not being followed by two hex digits (`%ZZ`, `100%`, `%2`). */
const BROKEN_ESCAPE = /%(?![0-9a-f]{2})/i;

/**
 * Refuses a query string holding a '%' that escapes nothing (`?limit=%ZZ`) or escapes that are not UTF-8, naming the
 * parameter. Node's parser keeps such a '%' as text, so `%ZZ` would reach validation, or a filter, as the literal
 * '%ZZ'; every URL API sends '%' itself as %25, so a bare one is a client's mistake, not data. Form bodies keep
 * the parsers' leniency (refuseUndecodableEscapes alone): a dialect's body is its vendor's client's to shape.
 */
export function refuseBadQueryEscapes(query: string): void {
  for (const field of query.split('&')) {
    const broken = BROKEN_ESCAPE.exec(field);
    if (!broken) continue;
    const escape = field.slice(broken.index, broken.index + 3);
    const name = decodedName(field.split('=', 1)[0]!);
    const where = name === undefined ? 'The query' : `The query parameter '${name}'`;
    throw validationError(name ?? 'query', `${where} holds '${escape}', which is not a percent escape: '%' must be followed by two hexadecimal digits (send '%' itself as %25).`);
  }
  refuseUndecodableEscapes(query, 'query');
}

/** A field's name as the parsers decode it, or undefined when the name itself does not decode. */
function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

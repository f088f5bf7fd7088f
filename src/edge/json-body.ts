import type { FastifyInstance } from 'fastify';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { CreditbookError } from '../domain/errors.ts';

/** A JSON number literal that no double holds in its shortest form (see parseJsonBody). */
class InexactNumber {
  constructor(readonly literal: string) {}
}

/** A run of 16+ digits (or dots) or an exponent: the only literals JSON.parse might not keep exactly. */
const MAYBE_INEXACT = /\d[\d.]{15,}|\d[eE]/;

/**
 * Parses a JSON request body without ever changing a number the sender wrote.
 * Numbers are kept when their shortest decimal form is exactly the literal sent
 * (0.1 stays 0.1); anything else (20 digits, 1e400) is rejected with an error
 * that names the parameter and asks for a string. The common body takes the
 * fast path through JSON.parse.
 */
export function parseJsonBody(text: string): unknown {
  // An empty body means "no parameters" (action routes such as void; Stripe's client sends these).
  if (text.trim() === '') return {};
  try {
    if (!MAYBE_INEXACT.test(text)) return JSON.parse(text);
    let sawInexact = false;
    const parsed = parseLossless(text, null, (literal: string) => {
      if (isSafeNumber(literal, { approx: false })) return Number(literal);
      sawInexact = true;
      return new InexactNumber(literal);
    });
    if (sawInexact) throwOnInexact(parsed, []);
    return parsed;
  } catch (error) {
    if (error instanceof CreditbookError) throw error;
    throw new CreditbookError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
}

function throwOnInexact(value: unknown, path: string[]): void {
  if (value instanceof InexactNumber) {
    const param = path.join('.') || 'body';
    throw new CreditbookError(
      'validation_error',
      `'${param}' is the number ${value.literal}, which cannot be represented exactly as a JSON number; send it as a string, e.g. "${value.literal}".`,
      { param },
    );
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) throwOnInexact(item, [...path, key]);
  }
}

/** Makes `parseJsonBody` the only JSON parser of a Fastify scope: amounts never pass through a rounded double. */
export function installExactJsonParser(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

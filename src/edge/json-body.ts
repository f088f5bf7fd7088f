import type { FastifyInstance } from 'fastify';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { CreditbookError } from '../domain/errors.ts';

/** A JSON number literal that no double holds in its shortest form (see parseJsonBody). */
class InexactNumber {
  constructor(readonly literal: string) {}
}

/** Deeper bodies are refused before parsing: no request of ours nests beyond a few levels, and parsers recurse. */
export const MAX_JSON_DEPTH = 64;

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
  let parsed: unknown;
  refuseDeepNesting(text);
  try {
    parsed = parseNumbersExactly(text);
  } catch (error) {
    if (error instanceof CreditbookError) throw error;
    // lossless-json refuses some duplicate keys itself; say so in the same words as below.
    throwOnDuplicateKey(text);
    throw new CreditbookError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
  // JSON.parse keeps the last of two equal keys; which one the sender meant is unknowable, so neither is taken.
  throwOnDuplicateKey(text);
  return parsed;
}

function throwOnDuplicateKey(text: string): void {
  const duplicate = duplicateKey(text);
  if (!duplicate) return;
  const where = duplicate.path.length === 0 ? '' : ` in '${duplicate.path.join('.')}'`;
  throw new CreditbookError('invalid_json', `The body has the key '${duplicate.key}' more than once${where}; send each parameter once.`, {
    param: [...duplicate.path, duplicate.key].join('.'),
  });
}

function parseNumbersExactly(text: string): unknown {
  if (!MAYBE_INEXACT.test(text)) return JSON.parse(text);
  let sawInexact = false;
  const parsed = parseLossless(text, null, (literal: string) => {
    if (isSafeNumber(literal, { approx: false })) return Number(literal);
    sawInexact = true;
    return new InexactNumber(literal);
  });
  if (sawInexact) throwOnInexact(parsed, []);
  return parsed;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The first key that appears twice in one object of a valid JSON text, with the
 * path to that object; undefined when there is none. One pass over the text.
 */
export function duplicateKey(text: string): { key: string; path: string[] } | undefined {
  // One frame per open object (its keys so far) or array (its index); `name` is what the frame is called in the path.
  const frames: Array<{ keys: Set<string> | null; index: number; name: string | null }> = [];
  let lastKey: string | null = null;
  for (let position = 0; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    if (code === QUOTE) {
      const start = position;
      for (position += 1; position < text.length && text.charCodeAt(position) !== QUOTE; position += 1) {
        if (text.charCodeAt(position) === BACKSLASH) position += 1;
      }
      let next = position + 1;
      while (next < text.length && /\s/.test(text[next]!)) next += 1;
      const frame = frames.at(-1);
      if (text[next] !== ':' || !frame?.keys) continue;
      const key = decodeKey(text.slice(start, position + 1));
      if (frame.keys.has(key)) return { key, path: pathOf(frames) };
      frame.keys.add(key);
      lastKey = key;
    } else if (code === 123 /* { */ || code === 91 /* [ */) {
      const parent = frames.at(-1);
      const name = parent ? (parent.keys ? lastKey : String(parent.index)) : null;
      frames.push({ keys: code === 123 ? new Set() : null, index: 0, name });
    } else if (code === 125 /* } */ || code === 93 /* ] */) {
      frames.pop();
    } else if (code === 44 /* , */) {
      const frame = frames.at(-1);
      if (frame && !frame.keys) frame.index += 1;
    }
  }
  return undefined;
}

function decodeKey(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}

function pathOf(frames: Array<{ name: string | null }>): string[] {
  return frames.flatMap((frame) => (frame.name === null ? [] : [frame.name]));
}

/** One pass over the text, counting brackets outside strings. */
function refuseDeepNesting(text: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) throw new CreditbookError('invalid_json', `The body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep.`);
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
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

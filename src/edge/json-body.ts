import type { FastifyInstance } from 'fastify';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { CreditbookError } from '../domain/errors.ts';
import { schemaTakesAsString } from './body-schema-strings.ts';
import { jsonBodyNotUtf8, utf8BodyText } from './utf8-text.ts';

/** A JSON number literal that no double holds in its shortest form (see parseJsonBody). */
class InexactNumber {
  constructor(readonly literal: string) {}
}

/** Deeper bodies are refused before parsing: no request of ours nests beyond a few levels, and parsers recurse. */
export const MAX_JSON_DEPTH = 64;

/**
 * Bodies with more objects and arrays are refused before parsing. The most any request of ours holds is a batch
 * of 1,000 usage events, each with its dimensions and metadata (about 3,000); a 1 MiB body of empty arrays nested
 * 60 deep holds 520,000, which took 150 to 200 ms of one turn to parse and walk (unsafe-text.ts).
 */
export const MAX_JSON_CONTAINERS = 10_000;

/**
 * A number literal JSON.parse might not keep exactly: a run of 16+ digits (or dots) or an exponent. Only such a
 * literal sends a body down lossless-json's slower path. A number can stand only where a value can: at the start
 * of the text or after `:`, `[` or `,` (and whitespace). Matching anywhere would also catch text inside strings,
 * and most IDs do hold a digit before an `e` (`cus_01m973e3…`): nearly every body would take the slow path. Text
 * in a string that looks like such a value (`"note": "a: 1e5"`) only costs that path, never a wrong number.
 */
const MAYBE_INEXACT = /(?:^|[:[,])\s*-?\d(?:[\d.]{15,}|[\d.]*[eE])/;

/**
 * Parses a JSON request body without ever changing a number the sender wrote.
 * Numbers are kept when their shortest decimal form is exactly the literal sent
 * (0.1 stays 0.1); anything else (20 digits, 1e400) is rejected with an error
 * that names the parameter, and asks for a string only where the parameter takes
 * that string (by the route's `bodySchema`: an amount takes "1e20", `ttlSeconds` takes no
 * string at all). The common body takes the fast path through JSON.parse.
 */
export function parseJsonBody(text: string, bodySchema?: unknown): unknown {
  // An empty body means "no parameters" (action routes such as void; Stripe's client sends these).
  if (text.trim() === '') return {};
  // Before any parser recurses: refuses a body nested too deep, and finds a repeated key.
  const duplicate = scanStructure(text);
  let parsed: unknown;
  try {
    parsed = parseNumbersExactly(text, bodySchema);
  } catch (error) {
    if (error instanceof CreditbookError) throw error;
    // lossless-json refuses some duplicate keys itself; say so in the same words as below.
    if (duplicate) throw duplicateKeyError(duplicate);
    throw new CreditbookError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
  // JSON.parse keeps the last of two equal keys; which one the sender meant is unknowable, so neither is taken.
  if (duplicate) throw duplicateKeyError(duplicate);
  return parsed;
}

function duplicateKeyError(duplicate: { key: string; path: string[] }): CreditbookError {
  const where = duplicate.path.length === 0 ? '' : ` in '${duplicate.path.join('.')}'`;
  return new CreditbookError('invalid_json', `The body has the key '${duplicate.key}' more than once${where}; send each parameter once.`, {
    param: [...duplicate.path, duplicate.key].join('.'),
  });
}

/** Whether `text` may hold a number literal that JSON.parse would not keep exactly (see MAYBE_INEXACT); never false when it does. */
export function mayHoldInexactNumber(text: string): boolean {
  return MAYBE_INEXACT.test(text);
}

function parseNumbersExactly(text: string, bodySchema: unknown): unknown {
  if (!mayHoldInexactNumber(text)) return JSON.parse(text);
  let sawInexact = false;
  const parsed = parseLossless(text, null, (literal: string) => {
    if (isSafeNumber(literal, { approx: false })) return Number(literal);
    sawInexact = true;
    return new InexactNumber(literal);
  });
  if (sawInexact) throwOnInexact(parsed, [], bodySchema);
  return parsed;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isJsonWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

interface Frame {
  /** An object's keys so far; null for an array. */
  keys: Set<string> | null;
  /** An array's index so far. */
  index: number;
  /** What the frame is called in a path (its key or index in its parent); null at the top. */
  name: string | null;
}

/**
 * One pass over a JSON text: throws when objects or arrays nest deeper than
 * MAX_JSON_DEPTH or number more than MAX_JSON_CONTAINERS, and returns the first
 * key that appears twice in one object, with the path to that object
 * (undefined when there is none). Meant for a
 * valid text; on an invalid one it still ends, and what it finds is a guess.
 */
function scanStructure(text: string): { key: string; path: string[] } | undefined {
  const frames: Frame[] = [];
  let containers = 0;
  let lastKey: string | null = null;
  let duplicate: { key: string; path: string[] } | undefined;
  for (let position = 0; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    if (code === QUOTE) {
      const start = position;
      let escaped = false;
      for (position += 1; position < text.length && text.charCodeAt(position) !== QUOTE; position += 1) {
        if (text.charCodeAt(position) === BACKSLASH) {
          escaped = true;
          position += 1;
        }
      }
      const frame = frames[frames.length - 1];
      if (duplicate || !frame?.keys) continue;
      let next = position + 1;
      while (next < text.length && isJsonWhitespace(text.charCodeAt(next))) next += 1;
      if (text.charCodeAt(next) !== COLON) continue;
      // Without a backslash a string literal is its characters between the quotes.
      const key = escaped ? decodeKey(text.slice(start, position + 1)) : text.slice(start + 1, position);
      if (frame.keys.has(key)) duplicate = { key, path: pathOf(frames) };
      frame.keys.add(key);
      lastKey = key;
    } else if (code === 123 /* { */ || code === 91 /* [ */) {
      if (frames.length >= MAX_JSON_DEPTH) throw new CreditbookError('invalid_json', `The body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep.`);
      containers += 1;
      if (containers > MAX_JSON_CONTAINERS) throw new CreditbookError('invalid_json', `The body holds more than ${MAX_JSON_CONTAINERS} objects and arrays.`);
      const parent = frames[frames.length - 1];
      const name = parent ? (parent.keys ? lastKey : String(parent.index)) : null;
      frames.push({ keys: code === 123 ? new Set() : null, index: 0, name });
    } else if (code === 125 /* } */ || code === 93 /* ] */) {
      frames.pop();
    } else if (code === 44 /* , */) {
      const frame = frames[frames.length - 1];
      if (frame && !frame.keys) frame.index += 1;
    }
  }
  return duplicate;
}

function decodeKey(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}

function pathOf(frames: Frame[]): string[] {
  return frames.flatMap((frame) => (frame.name === null ? [] : [frame.name]));
}

function throwOnInexact(value: unknown, path: string[], bodySchema: unknown): void {
  if (value instanceof InexactNumber) {
    const param = path.join('.') || 'body';
    const { literal } = value;
    const takes = schemaTakesAsString(bodySchema, path, literal);
    // A field that takes no string (ttlSeconds) is not told to send one. Without a schema (a dialect that checks its
    // bodies in the handler) the advice says where it holds, so it is right for either kind of field.
    const message =
      takes === false
        ? `'${param}' is the number ${literal}, which is not exact as a JSON number.`
        : `'${param}' is the number ${literal}, which cannot be represented exactly as a JSON number; send it as a string, e.g. "${literal}"` +
          (takes ? '.' : ', if the field takes decimal strings.');
    throw new CreditbookError('validation_error', message, { param });
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) throwOnInexact(item, [...path, key], bodySchema);
  }
}

/** Makes `parseJsonBody` the only JSON parser of a Fastify scope: amounts never pass through a rounded double. */
export function installExactJsonParser(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      // The route's body schema says whether a number too long to be exact may come as a string instead.
      done(null, parseJsonBody(utf8BodyText(body as Buffer, jsonBodyNotUtf8), request.routeOptions.schema?.body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

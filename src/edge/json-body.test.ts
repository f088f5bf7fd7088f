import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { CreditbookError } from '../domain/errors.ts';
import { schemaTakesAsString } from './body-schema-strings.ts';
import { MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, mayHoldInexactNumber, parseJsonBody } from './json-body.ts';

/** Strings that look like number literals to a scan of the raw text: IDs with a digit before an "e", long digit runs. */
const lookalike = fc.oneof(
  fc.stringMatching(/^cus_[0-9a-z]{26}$/),
  fc.constantFrom('1e400', '9007199254740993', '12345678901234567890123', 'a\\"3e5', '0.1000000000000000000001'),
);
/** What no double holds exactly, sent as a JSON number: it must be refused wherever it sits. */
const inexactLiteral = fc.constantFrom('1e400', '9007199254740993', '12345678901234567890123', '0.1000000000000000000001');

it('reads strings as sent however much they look like numbers, and safe numbers beside them', () => {
  fc.assert(
    // Numbers within ±1e9: beyond 2^53 an integer is refused on purpose (its shortest form is not what was sent).
    fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(lookalike, fc.integer(), fc.double({ min: -1e9, max: 1e9, noNaN: true }))), (body) => {
      assert.deepEqual(parseJsonBody(JSON.stringify(body)), JSON.parse(JSON.stringify(body)));
    }),
  );
});

it('refuses an inexact number literal even beside strings that look like numbers', () => {
  fc.assert(
    fc.property(fc.array(lookalike, { maxLength: 4 }), inexactLiteral, (strings, literal) => {
      const text = `{${strings.map((value, index) => `"s${index}":${JSON.stringify(value)}`).join(',')}${strings.length > 0 ? ',' : ''}"amount":${literal}}`;
      assert.throws(() => parseJsonBody(text), (error: unknown) => error instanceof CreditbookError);
    }),
  );
});

/** A JSON number literal, exact or not: up to 30 integer digits, a fraction, an exponent. */
const numberLiteral = fc
  .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,29})$/), fc.option(fc.stringMatching(/^[0-9]{1,20}$/)), fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/)))
  .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent ?? ''}`);
/** What JSON allows between tokens. */
const jsonSpace = fc.stringMatching(/^[ \t\n\r]{0,3}$/);

/** What a number literal is as the fast path must see it: 16 or more digits and dots, or an exponent. */
function needsExactParse(literal: string): boolean {
  return /[eE]/.test(literal) || literal.replace(/^-/, '').length >= 16;
}

it('sends every body with a long or exponent number literal to the exact parser, wherever the number stands', () => {
  // Every place a JSON value can stand: the whole text, an object's member, an array's first or a later element.
  const placed = fc.tuple(numberLiteral, jsonSpace, jsonSpace, lookalike, fc.constantFrom(0, 1, 2, 3)).map(([literal, before, after, id, place]) => {
    const value = `${before}${literal}${after}`;
    const text = [value, `{"id":${JSON.stringify(id)},"n":${value}}`, `[${value},"x"]`, `[${JSON.stringify(id)},${value}]`][place]!;
    return { literal, text };
  });
  fc.assert(
    fc.property(placed, ({ literal, text }) => {
      if (needsExactParse(literal)) assert.equal(mayHoldInexactNumber(text), true, text);
    }),
    { numRuns: 2000 },
  );
});

it('keeps bodies whose only number-like text is inside strings (IDs, notes) on the fast path', () => {
  assert.equal(mayHoldInexactNumber('{"customerId":"cus_01m973e3rx4b4cm3v1jcya596n","unit":"credits","amount":"1.5"}'), false);
  assert.equal(mayHoldInexactNumber('{"metadata":{"order":"9007199254740993","ref":"a1e5"},"amount":"12345678901234567890.5","priority":50}'), false);
  // A string that holds what looks like a value after a colon only costs the exact parser, never a wrong number.
  assert.equal(mayHoldInexactNumber('{"note":"a: 1e5"}'), true);
  assert.deepEqual(parseJsonBody('{"note":"a: 1e5"}'), { note: 'a: 1e5' });
});

it('refuses a body nested deeper than the limit and names a repeated key with its path', () => {
  const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
  assert.throws(() => parseJsonBody(deep), (error: unknown) => error instanceof CreditbookError && /levels deep/.test(error.message));
  assert.deepEqual(parseJsonBody(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`), JSON.parse(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`));
  const repeated = (text: string) => {
    try {
      parseJsonBody(text);
    } catch (error) {
      return error instanceof CreditbookError ? [error.code, error.param] : undefined;
    }
    return undefined;
  };
  assert.deepEqual(repeated('{"a":1,"b":{"c":[{"d":1, "d" :2}]}}'), ['invalid_json', 'b.c.0.d']);
  // An escaped key is compared decoded: "\u0061" is "a".
  assert.deepEqual(repeated('{"a":1,"\\u0061":2}'), ['invalid_json', 'a']);
  assert.deepEqual(repeated('{"a":{"x":1},"b":{"x":1}}'), undefined);
});

it('asks for a string only where the parameter takes that string', () => {
  const messageOf = (text: string, bodySchema?: unknown) => {
    try {
      parseJsonBody(text, bodySchema);
    } catch (error) {
      if (error instanceof CreditbookError) return [error.param, error.message];
    }
    return undefined;
  };
  const schema = {
    type: 'object',
    properties: {
      amount: { anyOf: [{ type: 'string', pattern: '^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$' }, { type: 'number' }] },
      ttlSeconds: { type: 'integer', minimum: 1 },
      code: { type: 'string', pattern: '^[a-z]{3}$' },
      items: { type: 'array', items: { type: 'object', properties: { quantity: { anyOf: [{ type: 'string' }, { type: 'number' }] } } } },
    },
  };
  assert.deepEqual(messageOf('{"amount":1e400}', schema), ['amount', `'amount' is the number 1e400, which cannot be represented exactly as a JSON number; send it as a string, e.g. "1e400".`]);
  assert.deepEqual(messageOf('{"items":[{"quantity":1},{"quantity":9007199254740993}]}', schema)?.[1], `'items.1.quantity' is the number 9007199254740993, which cannot be represented exactly as a JSON number; send it as a string, e.g. "9007199254740993".`);
  // An integer field takes no string; a string field whose pattern refuses the digits, and an unknown field, neither.
  assert.deepEqual(messageOf('{"ttlSeconds":1e20}', schema), ['ttlSeconds', "'ttlSeconds' is the number 1e20, which is not exact as a JSON number."]);
  assert.deepEqual(messageOf('{"code":1e20}', schema)?.[1], "'code' is the number 1e20, which is not exact as a JSON number.");
  assert.deepEqual(messageOf('{"other":1e20}', schema)?.[1], "'other' is the number 1e20, which is not exact as a JSON number.");
  // Without a schema the message is right for either kind of field.
  assert.deepEqual(messageOf('{"ttlSeconds":1e20}')?.[1], `'ttlSeconds' is the number 1e20, which cannot be represented exactly as a JSON number; send it as a string, e.g. "1e20", if the field takes decimal strings.`);
  assert.equal(schemaTakesAsString(undefined, ['amount'], '1e20'), undefined);
});

it('refuses a body of more objects and arrays than MAX_JSON_CONTAINERS, counting nested and sibling ones alike', () => {
  const body = (containers: number) => `[${Array(containers - 1).fill('{}').join(',')}]`;
  assert.equal((parseJsonBody(body(MAX_JSON_CONTAINERS)) as unknown[]).length, MAX_JSON_CONTAINERS - 1);
  assert.throws(() => parseJsonBody(body(MAX_JSON_CONTAINERS + 1)), (error: unknown) => error instanceof CreditbookError && error.code === 'invalid_json' && /more than 10000 objects and arrays/.test(error.message));
  // Text in strings is not counted.
  assert.deepEqual(parseJsonBody(JSON.stringify({ note: '['.repeat(MAX_JSON_CONTAINERS + 1) })), { note: '['.repeat(MAX_JSON_CONTAINERS + 1) });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { CreditbookError } from '../domain/errors.ts';
import { parseJsonBody } from './json-body.ts';

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

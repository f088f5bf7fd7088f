import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { CreditbookError } from '../domain/errors.ts';
import { refuseUnsafeText } from './unsafe-text.ts';

/** Text made of pieces, some unsafe: NUL, lone surrogates (which may still pair up when joined), a pair, plain text. */
const text = fc.array(fc.constantFrom('a', 'é', '1', '\u0000', '\ud800', '\udc00', '\ud83d\ude00'), { maxLength: 4 }).map((pieces) => pieces.join(''));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, fc.integer(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
}));

/** The reference: JSON.stringify writes NUL and every lone surrogate as an escape, and nothing else as those escapes. */
function unsafeByJson(candidate: unknown): boolean {
  return /\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(JSON.stringify(candidate));
}

it('refuses a value exactly when some string or key in it holds NUL or a lone surrogate, naming a parameter', () => {
  fc.assert(
    fc.property(value, (candidate) => {
      let refused: CreditbookError | undefined;
      try {
        refuseUnsafeText(candidate, 'body');
      } catch (error) {
        assert.ok(error instanceof CreditbookError);
        refused = error;
      }
      assert.equal(refused !== undefined, unsafeByJson(candidate));
      if (refused) assert.equal(refused.code, 'validation_error');
    }),
    { numRuns: 3000 },
  );
});

it('names the parameter at fault by its path', () => {
  assert.throws(() => refuseUnsafeText({ metadata: { plan: 'a\u0000' } }, 'body'), (error: unknown) => error instanceof CreditbookError && error.param === 'metadata.plan');
  assert.throws(() => refuseUnsafeText({ items: ['ok', '\ud800'] }, 'body'), (error: unknown) => error instanceof CreditbookError && error.param === 'items.1');
  assert.throws(() => refuseUnsafeText('\udc00', 'path'), (error: unknown) => error instanceof CreditbookError && error.param === 'path');
  assert.doesNotThrow(() => refuseUnsafeText({ emoji: '\ud83d\ude00', n: 1, none: null }, 'body'));
});

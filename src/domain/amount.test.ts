import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AMOUNT_SCALE,
  amountFromDecimalString,
  amountFromNumber,
  amountFromStoredText,
  assertScale,
  formatAmount,
  fromMinorUnits,
  parseAmount,
  toMinorUnits,
} from './amount.ts';
import { CreditbookError } from './errors.ts';

const ONE = 10n ** BigInt(AMOUNT_SCALE);

function assertValidationError(run: () => unknown, param = 'amount', messagePattern?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CreditbookError, `expected a CreditbookError, got ${String(error)}`);
    assert.equal(error.code, 'validation_error');
    assert.equal(error.param, param);
    if (messagePattern) assert.match(error.message, messagePattern);
    return true;
  });
}

describe('amountFromDecimalString', () => {
  it('parses integers, decimals and negatives as fixed-point bigints with 10 decimals', () => {
    assert.equal(amountFromDecimalString('1'), ONE);
    assert.equal(amountFromDecimalString('12.5'), 125n * 10n ** 9n);
    assert.equal(amountFromDecimalString('0.0000000001'), 1n);
    assert.equal(amountFromDecimalString('-3'), -3n * ONE);
    assert.equal(amountFromDecimalString('0'), 0n);
    assert.equal(amountFromDecimalString('-0'), 0n);
    assert.equal(amountFromDecimalString('007.50'), 75n * 10n ** 9n);
  });

  it('reads any plain decimal as its digits scaled by hand (sign, leading and trailing zeros, both sides of the short-decimal path)', () => {
    const decimal = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,25}$/), fc.stringMatching(/^\d{1,14}$/));
    fc.assert(
      fc.property(decimal, ([negative, integerDigits, fractionDigits]) => {
        const fraction = fractionDigits.replace(/0+$/, '');
        const text = `${negative ? '-' : ''}${integerDigits}.${fractionDigits}`;
        if (fraction.length > AMOUNT_SCALE) return assertValidationError(() => amountFromDecimalString(text), 'amount', /decimal places/);
        const expected = BigInt(integerDigits) * ONE + (fraction ? BigInt(fraction) * 10n ** BigInt(AMOUNT_SCALE - fraction.length) : 0n);
        assert.equal(amountFromDecimalString(text), negative ? -expected : expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts 25 integer digits and rejects 26', () => {
    const twentyFive = '9'.repeat(25);
    assert.equal(amountFromDecimalString(twentyFive), BigInt(twentyFive) * ONE);
    assert.equal(amountFromDecimalString(`${twentyFive}.9999999999`), BigInt(twentyFive) * ONE + 9_999_999_999n);
    assert.equal(amountFromDecimalString(`-${twentyFive}`), -BigInt(twentyFive) * ONE);
    // Leading zeros are not digits of the value.
    assert.equal(amountFromDecimalString(`000${twentyFive}`), BigInt(twentyFive) * ONE);
    assertValidationError(() => amountFromDecimalString(`1${'0'.repeat(25)}`), 'amount', /more than 25 digits/);
    assertValidationError(() => amountFromDecimalString(`-1${'0'.repeat(25)}`), 'amount', /more than 25 digits/);
  });

  it('reads back a stored sum past 25 digits (amountFromStoredText), which a request may not send', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (amount) => {
        assert.equal(amountFromStoredText(formatAmount(amount)), amount);
      }),
    );
    assert.equal(amountFromStoredText(`2${'0'.repeat(25)}.5`), 2n * 10n ** 25n * ONE + ONE / 2n);
  });

  it('accepts 10 decimals and rejects 11, except trailing zeros which add no precision', () => {
    assert.equal(amountFromDecimalString('0.1234567891'), 1_234_567_891n);
    assertValidationError(() => amountFromDecimalString('0.12345678912'), 'amount', /11 decimal places/);
    assertValidationError(() => amountFromDecimalString('1.00000000001'), 'amount', /11 decimal places/);
    assert.equal(amountFromDecimalString('1.00000000000000'), ONE);
  });

  it('reads exponent notation exactly, as the JSON number with the same digits is read', () => {
    assert.equal(amountFromDecimalString('1e3'), amountFromNumber(1e3));
    assert.equal(amountFromDecimalString('1E5'), 100_000n * ONE);
    assert.equal(amountFromDecimalString('1.25e1'), amountFromDecimalString('12.5'));
    assert.equal(amountFromDecimalString('125e-1'), amountFromDecimalString('12.5'));
    assert.equal(amountFromDecimalString('-1e-10'), -1n);
    assertValidationError(() => amountFromDecimalString('1e-11'), 'amount', /11 decimal places/);
    assertValidationError(() => amountFromDecimalString('1e25'), 'amount', /more than 25 digits/);
    // An exponent beyond any amount is not expanded at all, so it costs nothing.
    assertValidationError(() => amountFromDecimalString('1e999999999'), 'amount', /must be a decimal number/);
  });

  it('rejects anything that is not a decimal string', () => {
    for (const text of ['', '1.', '.5', '+1', ' 1', '1 ', '1e', 'e5', '1e+', '1.e5', 'NaN', 'Infinity', '-', '1,5', '0x10', '1.2.3', '--1', '١']) {
      assertValidationError(() => amountFromDecimalString(text), 'amount', /must be a decimal number/);
    }
  });

  it('names the parameter it was given', () => {
    assertValidationError(() => amountFromDecimalString('x', 'grants.0.amount'), 'grants.0.amount', /'grants\.0\.amount'/);
  });
});

describe('amountFromNumber', () => {
  it('converts numbers through their shortest decimal form, exactly', () => {
    assert.equal(amountFromNumber(0.1), ONE / 10n);
    assert.equal(amountFromNumber(12.5), 125n * 10n ** 9n);
    assert.equal(amountFromNumber(-2.25), -225n * 10n ** 8n);
    assert.equal(amountFromNumber(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) * ONE);
  });

  it('expands negative exponents exactly', () => {
    assert.equal(String(1e-7), '1e-7');
    assert.equal(amountFromNumber(1e-7), 1000n);
    assert.equal(amountFromNumber(1.5e-7), 1500n);
    assert.equal(amountFromNumber(-2.5e-9), -25n);
    assert.equal(amountFromNumber(1e-10), 1n);
    assertValidationError(() => amountFromNumber(1e-11), 'amount', /11 decimal places/);
    assertValidationError(() => amountFromNumber(1.5e-10), 'amount', /11 decimal places/);
  });

  it('rejects integers beyond 2^53, including 1e21, asking for a string', () => {
    // 2^53 + 2 is a double, but so is the rounding of 9007199254740993: the sender's digits are lost.
    assertValidationError(() => amountFromNumber(2 ** 53 + 2), 'amount', /send it as a string/);
    assertValidationError(() => amountFromNumber(2 ** 53), 'amount', /send it as a string/);
    // String(1e21) is "1e+21"; as an integer beyond 2^53 the same rule rejects it (see the report).
    assert.equal(String(1e21), '1e+21');
    assertValidationError(() => amountFromNumber(1e21), 'amount', /send it as a string/);
    assertValidationError(() => amountFromNumber(-1e21), 'amount', /send it as a string/);
  });

  it('rejects non-finite numbers and floats with more than 10 decimals', () => {
    assertValidationError(() => amountFromNumber(Number.NaN), 'amount', /finite/);
    assertValidationError(() => amountFromNumber(Number.POSITIVE_INFINITY), 'amount', /finite/);
    assertValidationError(() => amountFromNumber(Number.NEGATIVE_INFINITY), 'amount', /finite/);
    // 0.1 + 0.2 prints as 0.30000000000000004: 17 decimals, not silently rounded.
    assertValidationError(() => amountFromNumber(0.1 + 0.2), 'amount', /decimal places/);
  });
});

describe('parseAmount', () => {
  it('takes strings and numbers alike', () => {
    assert.equal(parseAmount('1.5'), parseAmount(1.5));
    assert.equal(parseAmount('0.0000001'), parseAmount(1e-7));
    assert.equal(parseAmount(42), 42n * ONE);
  });

  it('rejects other JSON types', () => {
    for (const value of [null, undefined, true, {}, [], 1n]) {
      assertValidationError(() => parseAmount(value), 'amount', /decimal string or a number/);
    }
  });

  it('rejects zero and negatives unless positive is false', () => {
    for (const value of ['0', '-0', 0, -0, '-1', -1, '-0.0000000001']) {
      assertValidationError(() => parseAmount(value), 'amount', /greater than zero/);
    }
    assert.equal(parseAmount('0', { positive: false }), 0n);
    assert.equal(parseAmount('-1.5', { positive: false }), -15n * 10n ** 9n);
    assert.equal(parseAmount(-1e-7, { positive: false }), -1000n);
  });

  it("enforces the unit's scale without rounding", () => {
    assertValidationError(() => parseAmount('1.001', { scale: 2 }), 'amount', /more decimal places than its unit allows \(2\)/);
    assertValidationError(() => parseAmount(1.001, { scale: 2 }), 'amount', /\(2\)/);
    assert.equal(parseAmount('1.10', { scale: 2 }), 11n * 10n ** 9n);
    assert.equal(parseAmount('1.1', { scale: 2 }), 11n * 10n ** 9n);
    assert.equal(parseAmount('7', { scale: 0 }), 7n * ONE);
    assertValidationError(() => parseAmount('7.5', { scale: 0 }), 'amount', /\(0\)/);
    assert.equal(parseAmount('0.0000000001', { scale: 10 }), 1n);
    // A zero that is scale-valid still fails the positivity check.
    assertValidationError(() => parseAmount('0.00', { scale: 2 }), 'amount', /greater than zero/);
  });

  it('uses the given param in errors', () => {
    assertValidationError(() => parseAmount('1.001', { scale: 2, param: 'price' }), 'price');
    assertValidationError(() => parseAmount('abc', { param: 'price' }), 'price');
  });
});

describe('assertScale', () => {
  it('rejects amounts of 26 integer digits even when built without parsing', () => {
    const largest = 10n ** 25n * ONE - 1n;
    assert.doesNotThrow(() => assertScale(largest, 10));
    assertValidationError(() => assertScale(largest + 1n, 10), 'amount', /more than 25 digits/);
    assertValidationError(() => assertScale(-(largest + 1n), 10), 'amount', /more than 25 digits/);
  });
});

describe('formatAmount', () => {
  it('prints canonical decimals: no exponent, no trailing zeros, no plus sign', () => {
    assert.equal(formatAmount(0n), '0');
    assert.equal(formatAmount(ONE), '1');
    assert.equal(formatAmount(125n * 10n ** 9n), '12.5');
    assert.equal(formatAmount(-3n * ONE), '-3');
    assert.equal(formatAmount(1n), '0.0000000001');
    assert.equal(formatAmount(-1n), '-0.0000000001');
    assert.equal(formatAmount(-ONE / 2n), '-0.5');
    assert.equal(formatAmount(10n * ONE + 10n ** 8n), '10.01');
    assert.equal(formatAmount(10n ** 25n * ONE - 1n), `${'9'.repeat(25)}.${'9'.repeat(10)}`);
  });

  it('round-trips: parsing the formatted amount gives the amount back', () => {
    const limit = 10n ** 25n * ONE - 1n;
    fc.assert(
      fc.property(fc.bigInt({ min: -limit, max: limit }), (amount) => {
        const text = formatAmount(amount);
        assert.match(text, /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        assert.equal(amountFromDecimalString(text), amount);
        assert.equal(parseAmount(text, { positive: false }), amount);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the other way for canonical strings', () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 25n - 1n }), fc.stringMatching(/^(\d{0,9}[1-9])?$/))
      .filter(([negative, integer, fraction]) => !(negative && integer === 0n && fraction === ''))
      .map(([negative, integer, fraction]) => `${negative ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`);
    fc.assert(
      fc.property(canonical, (text) => {
        assert.equal(formatAmount(amountFromDecimalString(text)), text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('minor units', () => {
  it('converts exactly to and from integer minor units', () => {
    assert.equal(toMinorUnits(parseAmount('12.34'), 2), 1234n);
    assert.equal(fromMinorUnits(1234n, 2), parseAmount('12.34'));
    assert.equal(toMinorUnits(parseAmount('5'), 0), 5n);
    assertValidationError(() => toMinorUnits(parseAmount('12.345'), 2));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromMinorUnits } from '../domain/amount.ts';
import { CreditbookError } from '../domain/errors.ts';
import { formatMinor, minimumPriceMinor, minorToAmount, parsePrice, priceOfCredits } from './money.ts';

const credits = (text: string) => fromMinorUnits(BigInt(text.replace('.', '')), text.includes('.') ? text.split('.')[1]!.length : 0);

describe('money on the payment path', () => {
  it('parses prices into minor units, exactly, per currency', () => {
    assert.equal(parsePrice('5.00', 'usd'), 500n);
    assert.equal(parsePrice('5', 'usd'), 500n);
    assert.equal(parsePrice('0.50', 'usd'), 50n);
    assert.equal(parsePrice('12.340', 'usd'), 1234n, 'trailing zeros are not extra precision');
    assert.equal(parsePrice('500', 'jpy'), 500n);
    assert.equal(parsePrice('1.234', 'kwd'), 1234n);
  });

  it('rejects what it would otherwise round or misread', () => {
    for (const [value, currency] of [['5.001', 'usd'], ['0.49', 'usd'], ['0.5', 'jpy'], ['1.2345', 'kwd'], ['-1', 'usd'], ['1e3', 'usd'], ['', 'usd'], ['5.', 'usd']] as const) {
      assert.throws(() => parsePrice(value, currency), (error: unknown) => error instanceof CreditbookError && error.param === 'price', `${value} ${currency}`);
    }
  });

  it('the minimum is 0.50 of the major unit (1 for a zero-decimal currency)', () => {
    assert.deepEqual([minimumPriceMinor('usd'), minimumPriceMinor('jpy'), minimumPriceMinor('kwd')], [50n, 1n, 500n]);
  });

  it('formats minor units with every decimal of the currency', () => {
    assert.deepEqual([formatMinor(500n, 'usd'), formatMinor(5n, 'usd'), formatMinor(0n, 'usd'), formatMinor(500n, 'jpy'), formatMinor(1234n, 'kwd')], ['5.00', '0.05', '0.00', '500', '1.234']);
    assert.equal(minorToAmount(1999n, 'usd'), credits('19.99'));
  });

  it('prices credits at a unit price, rounding half up to the minor unit', () => {
    assert.equal(priceOfCredits(credits('100'), credits('0.1'), 'usd'), 1000n);
    assert.equal(priceOfCredits(credits('459'), credits('0.0125'), 'usd'), 574n, '5.7375 → 5.74');
    assert.equal(priceOfCredits(credits('3'), credits('0.175'), 'usd'), 53n, '0.525 → 0.53');
    assert.equal(priceOfCredits(credits('1'), credits('0.004'), 'usd'), 0n, '0.004 → 0.00');
    assert.equal(priceOfCredits(credits('1'), credits('0.005'), 'usd'), 1n, '0.005 → 0.01');
    assert.equal(priceOfCredits(credits('7'), credits('0.5'), 'jpy'), 4n, '3.5 yen → 4');
  });
});

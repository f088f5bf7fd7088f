import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundForReading, sumAmounts } from './amounts.ts';

describe('page amounts', () => {
  it('sums decimal strings exactly', () => {
    assert.equal(sumAmounts(['0.1', '0.2', '-0.3']), '0');
    assert.equal(sumAmounts(['12.5', '0.0000000001']), '12.5000000001');
  });

  it('rounds a derived rate for reading, half away from zero', () => {
    assert.equal(roundForReading('11.0000025887', 2), '11');
    assert.equal(roundForReading('2.345', 2), '2.35');
    assert.equal(roundForReading('-2.345', 2), '-2.35');
    assert.equal(roundForReading('0.004', 2), '0');
    assert.equal(roundForReading('7', 0), '7');
  });
});

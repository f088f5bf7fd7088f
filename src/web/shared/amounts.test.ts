import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isZero, roundForReading, sumAmounts } from './amounts.ts';

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

  it('reads any all-zero decimal string as zero, and nothing else', () => {
    for (const zero of ['0', '0.0000', '-0', '00.0', '.00']) assert.equal(isZero(zero), true, zero);
    for (const other of ['0.00000000001', '1', '10', '-0.01', '0.', '', 'abc']) assert.equal(isZero(other), false, other);
  });
});

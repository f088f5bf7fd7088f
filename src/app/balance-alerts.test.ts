import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { balanceCrossings, balanceLevel } from './balance-alerts.ts';

describe('balance crossings', () => {
  it('names the crossing, once', () => {
    const threshold = 30n;
    const cross = (previous: bigint, current: bigint, firstChange = false) => balanceCrossings({ previous, current, threshold, firstChange });
    assert.deepEqual(cross(40n, 25n), ['balance.low']);
    assert.deepEqual(cross(25n, 20n), []);
    assert.deepEqual(cross(25n, 0n), ['balance.depleted']);
    assert.deepEqual(cross(40n, -5n), ['balance.low', 'balance.depleted']);
    assert.deepEqual(cross(0n, 10n), []);
    assert.deepEqual(cross(10n, 30n), ['balance.recovered']);
    assert.deepEqual(cross(0n, 31n), ['balance.recovered']);
    assert.deepEqual(cross(0n, 31n, true), [], "a wallet's first credit is not a recovery");
    assert.deepEqual(balanceCrossings({ previous: 5n, current: 0n, threshold: null, firstChange: false }), ['balance.depleted']);
    assert.deepEqual(balanceCrossings({ previous: 0n, current: 1n, threshold: null, firstChange: false }), ['balance.recovered']);
  });

  it('over any walk of balances: one low per fall below the threshold, one depleted per fall to zero, alternating with recovered', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 120 }), { minLength: 1, maxLength: 60 }), fc.option(fc.integer({ min: 1, max: 100 })), (walk, rawThreshold) => {
        const threshold = rawThreshold === null ? null : BigInt(rawThreshold);
        const balances = [100n, ...walk.map(BigInt)];
        const events = balances.slice(1).flatMap((current, index) => balanceCrossings({ previous: balances[index]!, current, threshold, firstChange: false }));
        const levels = balances.map((balance) => balanceLevel(balance, threshold));
        let expectedLow = 0;
        let expectedDepleted = 0;
        for (let index = 1; index < levels.length; index += 1) {
          if (levels[index - 1] === 'ok' && levels[index] !== 'ok' && threshold !== null) expectedLow += 1;
          if (levels[index - 1] !== 'depleted' && levels[index] === 'depleted') expectedDepleted += 1;
        }
        assert.equal(events.filter((type) => type === 'balance.low').length, expectedLow);
        assert.equal(events.filter((type) => type === 'balance.depleted').length, expectedDepleted);
        // Recovered and the falls alternate: never two recoveries without a fall between them.
        const marks = events.filter((type) => type !== 'balance.depleted' || threshold === null).map((type) => (type === 'balance.recovered' ? 'up' : 'down'));
        for (let index = 1; index < marks.length; index += 1) assert.notEqual(marks[index], marks[index - 1], events.join(','));
      }),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toOptionalTimestamp, toTimestamp } from './time.ts';

describe('toTimestamp', () => {
  it('formats exactly as toISOString, also when asked again (remembered) and past the remembered bound', () => {
    const instants = [0, 1, 999, 1_764_900_000_123, -1, 8.64e15, -62_198_755_200_000];
    for (let round = 0; round < 2; round += 1) {
      for (const instant of instants) assert.equal(toTimestamp(instant), new Date(instant).toISOString());
    }
    // More distinct instants than are remembered: every one is still formatted right.
    for (let instant = 1_764_900_000_000; instant < 1_764_900_000_000 + 10_000; instant += 1) {
      assert.equal(toTimestamp(instant), new Date(instant).toISOString());
    }
    assert.equal(toTimestamp(instants[3]!), '2025-12-05T02:00:00.123Z');
  });

  it('refuses an instant no date holds, as toISOString does, and keeps null as null', () => {
    assert.throws(() => toTimestamp(8.64e15 + 1), RangeError);
    assert.throws(() => toTimestamp(Number.NaN), RangeError);
    assert.equal(toOptionalTimestamp(null), null);
  });
});

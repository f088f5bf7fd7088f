import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { historyBuckets, nextIntervalStart } from './balance-history.ts';
import { projectRunway } from './runway.ts';
import { credits, DAY, grantState, HOUR, T0, utc } from './test-builders.ts';

describe('projectRunway', () => {
  it('burns in burn order; an expiry takes what is left of its grant and brings depletion forward', () => {
    // 10 a day. g1 (30, expires in 2 days) burns first: 20 used, 10 expire at day 2; then g2's 40 lasts 4 days.
    const runway = projectRunway({
      grants: [grantState({ id: 'g2', available: credits(40), ordinal: 2 }), grantState({ id: 'g1', available: credits(30), expiresAt: T0 + 2 * DAY, ordinal: 1 })],
      now: T0,
      burned: credits(100),
      windowMs: 10 * DAY,
    });
    assert.deepEqual([runway.depletesAt, runway.burnPerDay, runway.expiringIn7Days, runway.expiringIn30Days], [T0 + 6 * DAY, credits(10), credits(30), credits(30)]);
    assert.deepEqual(runway.expiring, [{ grantId: 'g1', available: credits(30), expiresAt: T0 + 2 * DAY }]);
  });

  it('without consumption, runs out only when the last expiring credit expires; never when some never expires', () => {
    const expiring = grantState({ id: 'g1', available: credits(5), expiresAt: T0 + 40 * DAY });
    assert.equal(projectRunway({ grants: [expiring], now: T0, burned: 0n, windowMs: DAY }).depletesAt, T0 + 40 * DAY);
    const forever = grantState({ id: 'g2', available: credits(5), ordinal: 2 });
    assert.equal(projectRunway({ grants: [expiring, forever], now: T0, burned: 0n, windowMs: DAY }).depletesAt, null);
    assert.deepEqual(projectRunway({ grants: [expiring], now: T0, burned: 0n, windowMs: DAY }).expiringIn30Days, 0n);
  });

  it('nothing spendable: depleted now', () => {
    assert.equal(projectRunway({ grants: [], now: T0, burned: credits(1), windowMs: DAY }).depletesAt, T0);
  });
});

describe('history buckets', () => {
  it('split at UTC calendar boundaries; weeks start on Monday; months by the calendar', () => {
    assert.equal(nextIntervalStart('week', utc('2026-03-04T10:00:00Z')), utc('2026-03-09T00:00:00Z'));
    assert.equal(nextIntervalStart('month', utc('2026-01-31T10:00:00Z')), utc('2026-02-01T00:00:00Z'));
    assert.equal(nextIntervalStart('hour', utc('2026-01-31T10:00:00Z')), utc('2026-01-31T11:00:00Z'));
    assert.deepEqual(historyBuckets(utc('2026-01-30T12:00:00Z'), utc('2026-02-01T06:00:00Z'), 'day'), [
      { start: utc('2026-01-30T12:00:00Z'), end: utc('2026-01-31T00:00:00Z') },
      { start: utc('2026-01-31T00:00:00Z'), end: utc('2026-02-01T00:00:00Z') },
      { start: utc('2026-02-01T00:00:00Z'), end: utc('2026-02-01T06:00:00Z') },
    ]);
    assert.throws(() => historyBuckets(T0, T0 + 500 * HOUR, 'hour'), /At most 400 buckets/);
  });
});

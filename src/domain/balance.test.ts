import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceSnapshot, computeBalance } from './balance.ts';
import { credits, DAY, emptyWallet, grantState, T0 } from './test-builders.ts';

describe('advanceSnapshot', () => {
  it('returns the snapshot itself when no event is due by `at`, and leaves it unchanged', () => {
    const snapshot = { ...emptyWallet(), grants: [grantState({ id: 'g1', available: credits(30), expiresAt: T0 + 2 * DAY })] };
    assert.equal(advanceSnapshot(snapshot, T0 + DAY), snapshot);
    assert.equal(computeBalance(snapshot, T0 + DAY).available, credits(30));
    assert.equal(snapshot.grants[0]!.expiredAt, null);
  });

  it('applies an event due by `at` to a copy: the expiry shows in the balance, not in the snapshot it was given', () => {
    const snapshot = { ...emptyWallet(), grants: [grantState({ id: 'g1', available: credits(30), expiresAt: T0 + 2 * DAY })] };
    const advanced = advanceSnapshot(snapshot, T0 + 3 * DAY);
    assert.notEqual(advanced, snapshot);
    assert.equal(advanced.grants[0]!.expiredAt, T0 + 2 * DAY);
    assert.equal(computeBalance(snapshot, T0 + 3 * DAY).available, 0n);
    assert.equal(snapshot.grants[0]!.expiredAt, null);
    assert.equal(snapshot.grants[0]!.available, credits(30));
  });
});

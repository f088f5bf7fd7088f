import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloneSnapshot } from './snapshot.ts';
import { emptyWallet, grantState, T0 } from './test-builders.ts';
import type { WalletSnapshot } from './types.ts';

/** Every field a value of its own, so a field copied from the wrong one shows. */
function distinctSnapshot(): WalletSnapshot {
  const snapshot = emptyWallet({
    overdraftLimit: 11n,
    overdraft: 12n,
    sequence: 13,
    balance: 14n,
    held: 15n,
    grantCount: 16,
    advancedTo: T0 + 17,
    period: 'P1M',
    periodAnchor: T0 + 18,
    periodStart: T0 + 19,
    periodUsage: 20n,
  });
  snapshot.grants.push(
    grantState({
      id: 'grant_distinct',
      amount: 101n,
      available: 102n,
      held: 103n,
      consumed: 104n,
      expired: 105n,
      voided: 106n,
      category: 'promotional',
      priority: 107,
      effectiveAt: T0 + 108,
      expiresAt: T0 + 109,
      createdAt: T0 + 110,
      ordinal: 111,
      activatedAt: T0 + 112,
      expiredAt: T0 + 113,
      voidedAt: T0 + 114,
      paymentPending: true,
      paidAt: T0 + 115,
      appliesTo: ['feature_a'],
      source: 'recurring',
      scheduleId: 'schedule_1',
      resetMaxRollover: 116n,
      resetMinRollover: 117n,
      rolledOver: 118n,
      lastResetAt: T0 + 119,
      firstEntrySequence: 120,
      lastEntrySequence: 121,
    }),
    grantState({ id: 'grant_plain' }),
  );
  return snapshot;
}

describe('cloneSnapshot', () => {
  it('copies every field of the wallet and of each grant into new objects', () => {
    const snapshot = distinctSnapshot();
    const clone = cloneSnapshot(snapshot);
    assert.deepEqual(clone, snapshot);
    assert.notEqual(clone.wallet, snapshot.wallet);
    clone.grants.forEach((grant, index) => assert.notEqual(grant, snapshot.grants[index]));
  });

  it('leaves its input alone when the copy changes', () => {
    const snapshot = distinctSnapshot();
    const clone = cloneSnapshot(snapshot);
    clone.wallet.balance = 0n;
    clone.grants[0]!.available = 0n;
    assert.deepEqual(snapshot, distinctSnapshot());
  });

  it("keeps a state's own fields only, not what else a loaded record carries", () => {
    const snapshot = distinctSnapshot();
    const record = Object.assign(snapshot.grants[0]!, { name: 'Welcome credits', metadata: { plan: 'pro' } });
    const clone = cloneSnapshot(snapshot);
    assert.equal('name' in clone.grants[0]!, false);
    assert.deepEqual(Object.keys(clone.grants[0]!).sort(), Object.keys(grantState()).sort());
    assert.equal(record.name, 'Welcome credits');
  });
});

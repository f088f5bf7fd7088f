import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { credits, newGrant, T0 } from '../domain/test-builders.ts';
import { WalletTransaction } from '../domain/wallet-transaction.ts';
import type { AppDependencies } from './dependencies.ts';
import { stateAfter, walletCoalesceKey, walletRowAfter } from './remembered-wallet.ts';
import { emptyWallet, snapshotOf, type LoadedWallet } from './wallet-operation.ts';

const address = { environmentId: 'env_1', customerId: 'cus_1', unit: 'credits', walletKey: '' };
const dependencies = { newId: (prefix: string) => `${prefix}_1` } as unknown as AppDependencies;

/** A remembered state of a wallet with two grants of 10 credits: `first` burns before `second`. */
function walletWithTwoGrants(): LoadedWallet {
  const wallet = emptyWallet(dependencies, address, T0);
  const transaction = new WalletTransaction(snapshotOf({ wallet, grants: new Map(), holds: new Map(), schedules: new Map() }), T0);
  transaction.addGrant(newGrant({ id: 'first', amount: credits(10), priority: 10 }));
  transaction.addGrant(newGrant({ id: 'second', amount: credits(10), priority: 20 }));
  const { snapshot } = transaction.result();
  return { wallet: walletRowAfter(wallet, snapshot, null), grants: new Map(snapshot.grants.map((grant) => [grant.id, grant])), holds: new Map(), schedules: new Map() };
}

/** Debits `amount` from `before` and returns what the engine did and the state a process would remember after it. */
function debitAndRemember(before: LoadedWallet, amount: bigint) {
  const transaction = new WalletTransaction(snapshotOf(before), T0 + 1);
  transaction.debit({ debitId: 'dbt_1', amount, feature: null, policy: 'reject' });
  const effects = transaction.result();
  return { effects, after: stateAfter(before, effects, walletRowAfter(before.wallet, effects.snapshot, null)) };
}

describe('walletCoalesceKey', () => {
  it('gives two addresses the same key only when they are the same address, NUL or no NUL', () => {
    // Short parts over few characters (NUL and what JSON writes between parts among them), so near misses are common.
    const part = fc.oneof(fc.stringMatching(/^[a\u0000]{0,2}$/), fc.stringMatching(/^[a\u0000",\[\]]{0,3}$/));
    const addressOf = fc.record({ environmentId: part, customerId: part, unit: part, walletKey: part });
    fc.assert(
      fc.property(addressOf, addressOf, (first, second) => {
        const same = first.environmentId === second.environmentId && first.customerId === second.customerId && first.unit === second.unit && first.walletKey === second.walletKey;
        assert.equal(walletCoalesceKey(first) === walletCoalesceKey(second), same);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('stateAfter', () => {
  it('is the wallet the operation left, keeping the objects of the grants it did not change', () => {
    const before = walletWithTwoGrants();
    const { effects, after } = debitAndRemember(before, credits(3));
    assert.ok(after);
    // Equal, grant for grant, to what the engine left.
    assert.deepEqual([...after.grants.values()], effects.snapshot.grants);
    assert.equal(after.grants.get('first')!.available, credits(7));
    assert.equal(after.wallet.balance, credits(17));
    // The debited grant is the engine's new object; the untouched one is the very object the last state held.
    assert.deepEqual([...effects.changedGrantIds], ['first']);
    assert.notEqual(after.grants.get('first'), before.grants.get('first'));
    assert.equal(after.grants.get('second'), before.grants.get('second'));
    // The last state is not changed by the operation.
    assert.equal(before.grants.get('first')!.available, credits(10));
  });

  it('drops a grant the operation used up', () => {
    const before = walletWithTwoGrants();
    const { after } = debitAndRemember(before, credits(10));
    assert.deepEqual([...after!.grants.keys()], ['second']);
    assert.equal(after!.grants.get('second'), before.grants.get('second'));
  });
});

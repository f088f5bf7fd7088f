import assert from 'node:assert/strict';
import { it } from 'node:test';
import { getBalance } from '../../src/app/balances.ts';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { forEachStore } from '../support/stores.ts';
import { bodyOf, createFixture, MINUTE, presentDebit, presentGrant, T0, walletOf, type Fixture } from './fixtures.ts';

/**
 * The balance now on every store: grants listed in ordinal (creation) order, as a past
 * balance lists them, whatever order the live grants loaded in (their query sets none, and
 * a remembered state keeps its own load's: test/multi-node/sqlite-remembered-balance.test.ts
 * has the case where the two differ).
 */
forEachStore('balance now', (target) => {
  async function grant(fixture: Fixture, amount: string, priority: number): Promise<string> {
    const input = { ...walletOf(fixture), amount, priority };
    return bodyOf(await createGrant(fixture.dependencies, { context: fixture.context, input, present: presentGrant })).id as string;
  }

  const debit = (fixture: Fixture, amount: string) =>
    createDebit(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount }, present: presentDebit });

  it('lists grants in creation order after debits changed the first ones', async () => {
    const fixture = await createFixture(await target.open());
    const ids = [await grant(fixture, '5', 3), await grant(fixture, '5', 2), await grant(fixture, '5', 1)];
    // Burns the last grant first, then the middle one: the rows change in the opposite order to their creation.
    for (const amount of ['2', '4', '1']) await debit(fixture, amount);
    fixture.clock.set(T0 + MINUTE);
    const { balance } = await getBalance(fixture.dependencies, fixture.context, walletOf(fixture));
    assert.deepEqual(
      balance.grants.map(({ grant }) => [grant.id, formatAmount(grant.available)]),
      [[ids[0], '5'], [ids[1], '3'], [ids[2], '0']].filter(([, available]) => available !== '0'),
    );
    const past = await getBalance(fixture.dependencies, fixture.context, { ...walletOf(fixture), at: T0 });
    assert.deepEqual(past.balance.grants.map(({ grant }) => grant.id), ids, 'a past balance lists every grant, in the same order');
  });

  it('offers remembered states to balance reads only where it can tell that no other process committed', async () => {
    const store = await target.open();
    assert.equal(typeof store.rememberedWalletState, target.dialect === 'sqlite' ? 'function' : 'undefined');
  });
});

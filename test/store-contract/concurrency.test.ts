import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createUnit, upsertWallet } from '../../src/app/accounts.ts';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold } from '../../src/app/holds.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { forEachStore } from '../support/stores.ts';
import { balanceOf, bodyOf, createFixture, onStore, presentDebit, presentGrant, presentHold, tally, walletOf, type Fixture } from './fixtures.ts';

function debit(fixture: Fixture, amount: string, onInsufficient?: 'reject' | 'partial' | 'overdraft') {
  return createDebit(fixture.dependencies, {
    context: fixture.context,
    input: { ...walletOf(fixture), amount, onInsufficient },
    present: presentDebit,
  });
}

function grant(fixture: Fixture, amount: string, walletKey?: string) {
  return createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture, walletKey), amount }, present: presentGrant });
}

forEachStore('concurrency', (target) => {
  it('lets exactly 20 of 50 concurrent debits of 1 through a balance of 20', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '20');
    const { values, errors } = tally(await Promise.allSettled(Array.from({ length: 50 }, () => debit(fixture, '1'))));
    assert.equal(values.length, 20);
    assert.deepEqual(errors, Array(30).fill('insufficient_balance'));
    assert.deepEqual(await balanceOf(fixture), { available: '0', held: '0', scheduled: '0', overdraft: '0', net: '0' });
    const report = await verifyAll(fixture.dependencies);
    assert.deepEqual(report.problems, []);
  });

  it('never overspends when two nodes debit one wallet at once', async () => {
    const fixture = await createFixture(await target.open());
    const nodes = [fixture, onStore(fixture, await target.open()), onStore(fixture, await target.open())];
    await grant(fixture, '30');
    const settled = await Promise.allSettled(Array.from({ length: 60 }, (_, index) => debit(nodes[index % nodes.length]!, '1')));
    const { values, errors } = tally(settled);
    assert.equal(values.length, 30);
    assert.equal(errors.length, 30);
    assert.equal((await balanceOf(fixture)).available, '0');
    const wallet = await fixture.store.read((repository) => repository.wallets.find({ environmentId: fixture.environment.id, ...walletOf(fixture) }, { lock: false }));
    assert.equal(wallet!.sequence, 31, 'one grant entry and 30 debit entries, numbered without gaps');
    const entries = await fixture.store.read((repository) => repository.ledger.loadForWallet(wallet!.id));
    assert.deepEqual(
      entries.map((entry) => entry.sequence),
      Array.from({ length: 31 }, (_, index) => index + 1),
    );
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('keeps the overdraft limit under concurrent overdraft debits and holds', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '10' }, present: presentGrant });
    await upsertWallet(dependencies, { context, input: { ...walletOf(fixture), overdraftLimit: '5' }, present: () => ({ status: 200, body: null }) });
    const settled = await Promise.allSettled([
      ...Array.from({ length: 20 }, () => debit(fixture, '1', 'overdraft')),
      ...Array.from({ length: 5 }, () =>
        createHold(dependencies, { context, input: { ...walletOf(fixture), amount: '1' }, present: presentHold }),
      ),
    ]);
    const { values, errors } = tally(settled);
    assert.equal(values.length, 15, 'ten credits plus five of overdraft');
    assert.deepEqual(errors, Array(10).fill('insufficient_balance'));
    const balance = await balanceOf(fixture);
    assert.equal(balance.available, '0');
    assert.ok(BigInt(balance.overdraft) <= 5n);
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });

  it('creates a wallet once when its first grants race', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => grant(index % 2 ? fixture : otherNode, '2.5', 'fresh')));
    const walletIds = new Set(results.map((result) => bodyOf(result).walletId));
    assert.equal(walletIds.size, 1);
    assert.equal((await balanceOf(fixture, { walletKey: 'fresh' })).available, '30');
    const wallets = await fixture.store.read((repository) =>
      repository.wallets.list(fixture.environment.id, { customerId: fixture.customer.id }, { limit: 100, startingAfter: null }),
    );
    assert.deepEqual(
      wallets.data.filter((wallet) => wallet.walletKey === 'fresh').map((wallet) => [wallet.id, formatAmount(wallet.balance), wallet.grantCount]),
      [[[...walletIds][0], '30', 12]],
    );
  });

  it('creates a unit once when requests race', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => createUnit((index % 2 ? fixture : otherNode).dependencies, fixture.context, { code: 'tokens', scale: 3 })),
    );
    assert.equal(results.filter((result) => result.created).length, 1);
    for (const result of results) assert.equal(result.unit.scale, 3);
  });

  it('debits many wallets in parallel without interference', async () => {
    const fixture = await createFixture(await target.open());
    const walletKeys = Array.from({ length: 8 }, (_, index) => `w${index}`);
    for (const walletKey of walletKeys) await grant(fixture, '5', walletKey);
    const settled = await Promise.allSettled(
      walletKeys.flatMap((walletKey) =>
        Array.from({ length: 6 }, () =>
          createDebit(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture, walletKey), amount: '1' }, present: presentDebit }),
        ),
      ),
    );
    const { values, errors } = tally(settled);
    assert.equal(values.length, 40);
    assert.equal(errors.length, 8);
    for (const walletKey of walletKeys) assert.equal((await balanceOf(fixture, { walletKey })).available, '0');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

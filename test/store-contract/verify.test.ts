import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { amountFromDecimalString } from '../../src/domain/amount.ts';
import type { Store } from '../../src/store/port.ts';
import { forEachStore } from '../support/stores.ts';
import { bodyOf, createFixture, HOUR, MINUTE, presentDebit, presentGrant, presentHold, T0, walletOf, type Fixture } from './fixtures.ts';

/** A mix of every kind of write on one wallet. */
async function busyWallet(fixture: Fixture, walletKey: string): Promise<string> {
  const { dependencies, context, clock } = fixture;
  const wallet = walletOf(fixture, walletKey);
  const paid = bodyOf(await createGrant(dependencies, { context, input: { ...wallet, amount: '100', category: 'paid' }, present: presentGrant }));
  await createGrant(dependencies, { context, input: { ...wallet, amount: '20', expiresAt: T0 + HOUR, appliesTo: ['chat'] }, present: presentGrant });
  await createDebit(dependencies, { context, input: { ...wallet, amount: '12.25', feature: 'chat' }, present: presentDebit });
  const hold = bodyOf(await createHold(dependencies, { context, input: { ...wallet, amount: '30' }, present: presentHold }));
  await endHold(dependencies, { context, holdId: hold.id, action: { kind: 'capture', amount: '10' }, present: presentHold });
  await createDebit(dependencies, { context, input: { ...wallet, amount: '500', onInsufficient: 'partial' }, present: presentDebit });
  clock.set(clock.now() + MINUTE);
  await changeGrant(dependencies, { context, grantId: paid.id, action: { kind: 'void' }, present: presentGrant });
  return paid.walletId;
}

async function tamper(store: Store, fixture: Fixture, walletId: string): Promise<void> {
  await store.transaction(async (repository) => {
    const wallet = (await repository.wallets.getById(fixture.environment.id, walletId, { lock: true }))!;
    await repository.wallets.update({ ...wallet, balance: wallet.balance + amountFromDecimalString('0.0000000001') });
  });
}

forEachStore('verify', (target) => {
  it('passes after every kind of write, and fails loudly on a projection that drifted from the ledger', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const walletIds = [await busyWallet(fixture, 'a'), await busyWallet(fixture, 'b')];
    const clean = await verifyAll(fixture.dependencies);
    assert.deepEqual(clean.problems, []);
    assert.ok(clean.walletsChecked >= 2);

    await tamper(store, fixture, walletIds[1]!);
    const report = await verifyAll(fixture.dependencies);
    assert.ok(report.problems.length > 0, 'a wrong stored balance is reported');
    assert.ok(
      report.problems.every((problem) => problem.includes(walletIds[1]!)),
      `only the tampered wallet is reported: ${report.problems.join('; ')}`,
    );
  });
});

forEachStore('verify ties debits to the ledger', (target) => {
  it('reports a debit row that no ledger entry bears out, and only it', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const { dependencies, context } = fixture;
    const wallet = walletOf(fixture, 'a');
    const grant = bodyOf(await createGrant(dependencies, { context, input: { ...wallet, amount: '100' }, present: presentGrant }));
    const booked = bodyOf(await createDebit(dependencies, { context, input: { ...wallet, amount: '7.5' }, present: presentDebit }));
    assert.deepEqual((await verifyAll(dependencies)).problems, []);

    // A debit row written without its ledger entries (what a lost write between the two would leave).
    const recorded = (await store.read((repository) => repository.debits.get(fixture.environment.id, booked.id)))!;
    const phantomId = dependencies.newId('dbt');
    await store.transaction((repository) => repository.debits.insert({ ...recorded, id: phantomId }));
    const report = await verifyAll(dependencies);
    assert.deepEqual(report.problems, [`wallet ${recorded.walletId}: 2 of its debits took credit or overdrew, its entries name 1`]);
    assert.equal(grant.walletId, recorded.walletId);
  });
});

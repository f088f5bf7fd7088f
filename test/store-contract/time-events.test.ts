import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { createHold } from '../../src/app/holds.ts';
import { advanceTestClock, sweepDueEvents } from '../../src/app/time-events.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import type { LedgerEntryRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { balanceOf, bodyOf, createFixture, DAY, HOUR, MINUTE, onStore, presentDebit, presentGrant, presentHold, T0, walletOf, type Fixture } from './fixtures.ts';

async function entriesOf(fixture: Fixture, walletId: string): Promise<LedgerEntryRecord[]> {
  return fixture.store.read((repository) => repository.ledger.loadForWallet(walletId));
}

function summary(entries: LedgerEntryRecord[]) {
  return entries.map((entry) => ({ type: entry.type, amount: formatAmount(entry.amount), effectiveAt: entry.effectiveAt }));
}

forEachStore('time-driven events', (target) => {
  it('books an expiry exactly once, at its exact expiresAt, however late the sweep runs', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const { dependencies, context, clock } = fixture;
    const expiresAt = T0 + HOUR + 1;
    const expiring = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '10.5', expiresAt }, present: presentGrant }));
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '1' }, present: presentGrant });
    clock.set(T0 + 10 * MINUTE);
    await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '0.5' }, present: presentDebit });

    clock.set(expiresAt - 1);
    assert.equal(await sweepDueEvents(dependencies), 0, 'nothing is due before expiresAt');
    assert.equal((await balanceOf(fixture)).available, '11');

    clock.set(expiresAt + 3 * DAY);
    assert.equal((await balanceOf(fixture)).available, '1', 'a read never counts a grant past its expiresAt, even before the sweep');
    const booked = await sweepDueEvents(dependencies);
    assert.ok(booked >= 1);
    assert.equal(await sweepDueEvents(dependencies), 0, 'a second sweep finds nothing');

    const entries = summary(await entriesOf(fixture, expiring.walletId));
    assert.deepEqual(entries, [
      { type: 'grant', amount: '10.5', effectiveAt: T0 },
      { type: 'grant', amount: '1', effectiveAt: T0 },
      { type: 'debit', amount: '-0.5', effectiveAt: T0 + 10 * MINUTE },
      { type: 'expiry', amount: '-10', effectiveAt: expiresAt },
    ]);
    assert.equal((await balanceOf(fixture, { at: expiresAt - 1 })).available, '11');
    assert.equal((await balanceOf(fixture, { at: expiresAt })).available, '1');
    assert.equal((await balanceOf(fixture, { at: T0 + 10 * MINUTE - 1 })).available, '11.5');
    assert.equal((await balanceOf(fixture)).available, '1');
    const grant = await store.read((repository) => repository.grants.get(context.environment.id, expiring.id));
    assert.equal(grant!.expiredAt, expiresAt);
    assert.equal(formatAmount(grant!.expired), '10');
    const wallet = await store.read((repository) => repository.wallets.getById(context.environment.id, expiring.walletId, { lock: false }));
    assert.equal(wallet!.nextEventAt, null);
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });

  it('shares a sweep between nodes without booking anything twice', async () => {
    const fixture = await createFixture(await target.open());
    const nodes = [fixture, onStore(fixture, await target.open()), onStore(fixture, await target.open())];
    const walletKeys = Array.from({ length: 12 }, (_, index) => `w${index}`);
    const walletIds: string[] = [];
    for (const [index, walletKey] of walletKeys.entries()) {
      const grant = bodyOf(
        await createGrant(fixture.dependencies, {
          context: fixture.context,
          input: { ...walletOf(fixture, walletKey), amount: '3', expiresAt: T0 + HOUR + index },
          present: presentGrant,
        }),
      );
      walletIds.push(grant.walletId);
    }
    fixture.clock.set(T0 + DAY);
    const booked = await Promise.all(nodes.flatMap((node) => [sweepDueEvents(node.dependencies), sweepDueEvents(node.dependencies)]));
    // Other tests' wallets in this database may be due too; ours are exactly 12 bookings' worth of expiries.
    assert.ok(booked.reduce((sum, count) => sum + count, 0) >= walletKeys.length);
    for (const [index, walletId] of walletIds.entries()) {
      const expiries = (await entriesOf(fixture, walletId)).filter((entry) => entry.type === 'expiry');
      assert.deepEqual(summary(expiries), [{ type: 'expiry', amount: '-3', effectiveAt: T0 + HOUR + index }]);
    }
    assert.equal(await sweepDueEvents(fixture.dependencies), 0);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('advances a test clock and books activations, hold expiries and grant expiries at their instants', async () => {
    const fixture = await createFixture(await target.open(), { frozenClockAt: T0 });
    const { dependencies } = fixture;
    let context = fixture.context;
    const scheduled = bodyOf(
      await createGrant(dependencies, {
        context,
        input: { ...walletOf(fixture), amount: '4', effectiveAt: T0 + HOUR, expiresAt: T0 + 3 * HOUR },
        present: presentGrant,
      }),
    );
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '2', expiresAt: T0 + 2 * HOUR }, present: presentGrant });
    await createHold(dependencies, { context, input: { ...walletOf(fixture), amount: '1.5', ttlSeconds: 1800 }, present: presentHold });
    assert.deepEqual(await balanceOf(fixture), { available: '0.5', held: '1.5', scheduled: '4', overdraft: '0', net: '0.5' });

    // The environment follows its frozen clock, not the injected one: the background sweep leaves it alone.
    fixture.clock.set(T0 + 10 * DAY);
    assert.equal(await sweepDueEvents(dependencies), 0);

    const { environment } = await advanceTestClock(dependencies, context, T0 + 4 * HOUR);
    context = { ...context, environment };
    const at = { ...fixture, context };
    assert.deepEqual(summary(await entriesOf(fixture, scheduled.walletId)), [
      { type: 'grant', amount: '2', effectiveAt: T0 },
      { type: 'hold', amount: '-1.5', effectiveAt: T0 },
      { type: 'release', amount: '1.5', effectiveAt: T0 + 30 * MINUTE },
      { type: 'grant', amount: '4', effectiveAt: T0 + HOUR },
      { type: 'expiry', amount: '-2', effectiveAt: T0 + 2 * HOUR },
      { type: 'expiry', amount: '-4', effectiveAt: T0 + 3 * HOUR },
    ]);
    assert.deepEqual(await balanceOf(at), { available: '0', held: '0', scheduled: '0', overdraft: '0', net: '0' });
    assert.deepEqual(await balanceOf(at, { at: T0 + HOUR }), { available: '6', held: '0', scheduled: '0', overdraft: '0', net: '6' });
    assert.deepEqual(await balanceOf(at, { at: T0 + HOUR - 1 }), { available: '2', held: '0', scheduled: '4', overdraft: '0', net: '2' });
    const stored = await fixture.store.read((repository) => repository.accounts.getEnvironment(context.environment.id));
    assert.equal(stored!.frozenClockAt, T0 + 4 * HOUR);
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });

  it('voids and expires grants on request and reads the past exactly', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context, clock } = fixture;
    const first = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '7' }, present: presentGrant }));
    const second = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '3', priority: 10 }, present: presentGrant }));
    clock.set(T0 + MINUTE);
    await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '4' }, present: presentDebit });
    clock.set(T0 + 2 * MINUTE);
    const voided = bodyOf(await changeGrant(dependencies, { context, grantId: first.id, action: { kind: 'void' }, present: presentGrant }));
    assert.equal(voided.available, '0');
    const again = await changeGrant(dependencies, { context, grantId: first.id, action: { kind: 'void' }, present: presentGrant });
    assert.equal(bodyOf(again).id, first.id, 'voiding twice returns the voided grant');
    clock.set(T0 + 3 * MINUTE);
    await changeGrant(dependencies, {
      context,
      grantId: second.id,
      action: { kind: 'update', changes: { expiresAt: T0 + 5 * MINUTE, name: 'renamed', metadata: { a: '1' } } },
      present: presentGrant,
    });
    clock.set(T0 + 6 * MINUTE);
    assert.equal((await balanceOf(fixture)).available, '0');
    const history = await Promise.all([0, MINUTE, 2 * MINUTE, 5 * MINUTE].map(async (offset) => (await balanceOf(fixture, { at: T0 + offset })).available));
    // The debit took the priority-10 grant (3) first, then 1 of the other: 6 were left, then the void took the 6.
    assert.deepEqual(history, ['10', '6', '0', '0']);
    const stored = await fixture.store.read((repository) => repository.grants.get(context.environment.id, second.id));
    assert.equal(stored!.name, 'renamed');
    assert.deepEqual(stored!.metadata, { a: '1' });
    assert.equal(stored!.expiresAt, T0 + 5 * MINUTE);
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });
});

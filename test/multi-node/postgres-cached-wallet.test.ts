import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.ts';
import { forStore } from '../support/stores.ts';
import { balanceOf, bodyOf, createFixture, onStore, presentDebit, presentGrant, rejectsWith, tally, walletOf, type Fixture } from '../store-contract/fixtures.ts';

/**
 * Issue 14: a PostgreSQL node remembers a wallet's state and books a debit on
 * it in one round trip, guarded by the wallet row's version. Two stores on one
 * database are two nodes: each remembers its own state, so one's debits make the
 * other's stale, which must be caught (nothing written) and booked again on
 * today's path: no double-spend, exact balances, a ledger that verifies.
 */
forStore('postgres', 'one round trip per debit on a remembered wallet state', (target) => {
  const stores: PostgresStore[] = [];
  after(() => Promise.all(stores.map((store) => store.close())));

  /** A node: its own pool and its own remembered states, counting every query message it sends. */
  async function node(options: Pick<PostgresStoreOptions, 'batchTurnBudget'> = {}): Promise<{ store: PostgresStore; roundTrips: () => number }> {
    let count = 0;
    const store = new PostgresStore(target.location(), { ...options, onRoundTrip: () => (count += 1) });
    stores.push(store);
    await store.migrate();
    return { store, roundTrips: () => count };
  }

  /** Two nodes on one environment; with `amount`, a grant of it on the wallet both debit. */
  async function twoNodes(amount?: string) {
    const a = await node();
    const b = await node();
    const onA = await createFixture(a.store);
    const onB = onStore(onA, b.store);
    if (amount !== undefined) await grant(onA, amount);
    return { a, b, onA, onB };
  }

  async function grant(fixture: Fixture, amount: string, priority?: number): Promise<string> {
    const input = { ...walletOf(fixture), amount, ...(priority === undefined ? {} : { priority }) };
    return bodyOf(await createGrant(fixture.dependencies, { context: fixture.context, input, present: presentGrant })).id as string;
  }

  async function debit(fixture: Fixture, amount: string, extra: { idempotencyKey?: string; fingerprint?: string } = {}) {
    return createDebit(fixture.dependencies, {
      context: fixture.context,
      input: { ...walletOf(fixture), amount },
      ...(extra.idempotencyKey ? { idempotency: { key: extra.idempotencyKey, fingerprint: extra.fingerprint ?? amount } } : {}),
      present: presentDebit,
    });
  }

  it("books a debit in one round trip once the wallet state is remembered, where today's path takes about ten", async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    const perDebit: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const before = a.roundTrips();
      await debit(fixture, '1.5');
      perDebit.push(a.roundTrips() - before);
    }
    // The first debit loads the wallet on today's path (and reads the row version it leaves); the next ones send one message.
    assert.ok(perDebit[0]! >= 8, `today's path took ${perDebit[0]} round trips`);
    assert.deepEqual(perDebit.slice(1), [1, 1]);
    assert.deepEqual(a.store.oneTripCounts, { oneTrip: 2, stale: 0, full: 1 });
    assert.equal((await balanceOf(fixture)).available, '95.5');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('writes every value exactly as a bound parameter would, quotes, backslashes and placeholders included', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10');
    await debit(fixture, '1');
    const awkward = ["it's", 'back\\slash \\\' end', '? $1 $$ :name', "'; DROP TABLE wallets; --", 'ünïcødé ✓\nnew line\ttab', 'E\'x\''];
    const metadata = Object.fromEntries(awkward.map((value, index) => [`k${index}`, value]));
    const written = await createDebit(fixture.dependencies, {
      context: fixture.context,
      input: { ...walletOf(fixture), amount: '0.0000000001', feature: "o'clock \\ ? ü🙂", metadata },
      present: presentDebit,
    });
    assert.equal(a.store.oneTripCounts.oneTrip, 1, 'the debit took one round trip');
    const stored = await fixture.store.read((repository) => repository.debits.get(fixture.environment.id, bodyOf(written).id));
    assert.deepEqual(stored!.metadata, metadata);
    assert.equal(stored!.feature, "o'clock \\ ? ü🙂");
    assert.equal((await balanceOf(fixture)).available, '8.9999999999');
  });

  it('books concurrent debits on one hot wallet as one statement per coalesced batch', async () => {
    // A clock that never moves: how the batches fall must not depend on how busy the machine is.
    const a = await node({ batchTurnBudget: { ms: 50, now: () => 0 } });
    const fixture = await createFixture(a.store);
    await grant(fixture, '1000');
    await debit(fixture, '1'); // today's path: A remembers the state
    const before = a.roundTrips();
    const results = await Promise.all(Array.from({ length: 100 }, () => debit(fixture, '2')));
    assert.equal(new Set(results.map((result) => bodyOf(result).id)).size, 100);
    // The first runs alone; the 99 that queued behind it run as batches of at most 64: three messages in all.
    assert.equal(a.roundTrips() - before, 3);
    assert.deepEqual(a.store.oneTripCounts, { oneTrip: 100, stale: 0, full: 1 });
    assert.equal((await balanceOf(fixture)).available, '799');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('computes a batch on a remembered state for at most its turn budget; the rest follow in later batches, in order', async () => {
    // Each look at the clock moves it 10 ms: with a budget of 25 ms, three attempts run in one turn.
    let clock = 0;
    const a = await node({ batchTurnBudget: { ms: 25, now: () => (clock += 10) } });
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    await debit(fixture, '1'); // today's path: A remembers the state
    const before = a.roundTrips();
    const results = await Promise.all(Array.from({ length: 10 }, () => debit(fixture, '1.5')));
    // The first runs alone; the nine queued behind it as three batches of three, not one of nine.
    assert.equal(a.roundTrips() - before, 4);
    assert.deepEqual(a.store.oneTripCounts, { oneTrip: 10, stale: 0, full: 1 });
    // Computed in the order they were submitted (debit IDs increase in creation order).
    const ids = results.map((result) => bodyOf(result).id as string);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal((await balanceOf(fixture)).available, '84');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it("catches a state another node made stale: nothing written, booked again on today's path, no double-spend", async () => {
    const { a, b, onA, onB } = await twoNodes('100');
    await debit(onA, '10');
    await debit(onA, '10'); // one trip: A remembers 80 left
    await debit(onB, '70'); // B's own load: 10 left, A's state is stale
    assert.equal(a.store.oneTripCounts.oneTrip, 1);

    // On A's stale state 50 fits (80 left); in truth 10 are left, so it must be refused.
    await rejectsWith(debit(onA, '50'), 'insufficient_balance');
    assert.equal(a.store.oneTripCounts.stale, 1, 'the stale state was sent and refused by the guard');
    assert.equal((await balanceOf(onA)).available, '10');

    // B's state is stale too now (A booked nothing, but A's refused debit ran on today's path: B's guard still holds)…
    await debit(onB, '4'); // one trip on B's state
    await debit(onA, '4'); // A's state was dropped: today's path, which sees B's debit
    assert.equal((await balanceOf(onA)).available, '2');
    await debit(onB, '2'); // B's state is stale (A debited): refused by the guard, then booked on today's path
    assert.equal(b.store.oneTripCounts.stale, 1);
    await rejectsWith(debit(onA, '0.1'), 'insufficient_balance');
    assert.equal((await balanceOf(onA)).available, '0');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it("catches another node's change that leaves the wallet's own columns alone (a grant's priority)", async () => {
    const { a, b, onA, onB } = await twoNodes();
    const first = await grant(onA, '10', 1);
    const second = await grant(onA, '10', 2);
    assert.equal(bodyOf(await debit(onA, '1')).allocations[0].grantId, first); // A remembers: `first` burns first
    await changeGrant(onB.dependencies, { context: onB.context, grantId: second, action: { kind: 'update', changes: { priority: 0 } }, present: presentGrant });
    const after = bodyOf(await debit(onA, '1'));
    assert.deepEqual(after.allocations, [{ grantId: second, amount: '1' }]);
    assert.equal(a.store.oneTripCounts.stale, 1);
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it('two nodes racing on one wallet spend exactly what they booked, never more than granted', async () => {
    const { a, b, onA, onB } = await twoNodes('300');
    await Promise.all([debit(onA, '1'), debit(onB, '1')]); // both remember a state
    const results = await Promise.allSettled(Array.from({ length: 400 }, (_, index) => debit(index % 2 === 0 ? onA : onB, '1')));
    const { values, errors } = tally(results);
    assert.equal(values.length, 298);
    assert.deepEqual(new Set(errors), new Set(['insufficient_balance']));
    assert.equal((await balanceOf(onA)).available, '0');
    assert.ok(a.store.oneTripCounts.oneTrip + b.store.oneTripCounts.oneTrip > 0, 'some debits took one round trip');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it('two nodes of closed-loop clients on one wallet, their coalesced batches made stale by each other, stay exact', async () => {
    const { a, b, onA, onB } = await twoNodes('200');
    await Promise.all([debit(onA, '1'), debit(onB, '1')]);
    // 32 clients, 10 debits each, of 1 and 0.5 alternately: 240 asked of 198.
    const results: Array<PromiseSettledResult<unknown>> = [];
    let spentHalves = 0;
    const lane = async (fixture: Fixture) => {
      for (let index = 0; index < 10; index += 1) {
        const amount = index % 2 === 0 ? '1' : '0.5';
        const [result] = await Promise.allSettled([debit(fixture, amount)]);
        results.push(result!);
        if (result!.status === 'fulfilled') spentHalves += amount === '1' ? 2 : 1;
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, index) => lane(index % 2 === 0 ? onA : onB)));
    const { values, errors } = tally(results);
    assert.equal(values.length + errors.length, 320);
    assert.ok(errors.length > 0, 'the wallet ran out');
    assert.deepEqual(new Set(errors), new Set(['insufficient_balance']));
    const left = 396 - spentHalves;
    assert.ok(left >= 0 && left < 2, `left ${left / 2}`);
    assert.equal((await balanceOf(onA)).available, left % 2 === 0 ? String(left / 2) : `${(left - 1) / 2}.5`);
    assert.ok(a.store.oneTripCounts.oneTrip > 0 && b.store.oneTripCounts.oneTrip > 0, 'both nodes took one round trip');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it("a batch whose idempotency records (one merged INSERT) hit a used key writes nothing; each debit is then served on today's path", async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    await debit(fixture, '1'); // today's path: A remembers the state
    const used = await debit(fixture, '3', { idempotencyKey: 'used' }); // one trip
    assert.deepEqual(a.store.oneTripCounts, { oneTrip: 1, stale: 0, full: 1 });
    // The first runs alone; the five queued behind it go as one batch, their idempotency records one multi-row
    // INSERT that holds a key used before and one key twice: the server refuses the whole message.
    const keys = ['k1', 'k2', 'used', 'k3', 'k1'];
    const [alone, ...batch] = await Promise.all([
      debit(fixture, '1', { idempotencyKey: 'k0' }),
      ...keys.map((key) => debit(fixture, key === 'used' ? '3' : '2', { idempotencyKey: key })),
    ]);
    assert.equal(alone!.replayed, false);
    assert.deepEqual(a.store.oneTripCounts, { oneTrip: 2, stale: 5, full: 6 });
    assert.deepEqual(
      batch.map((result) => result.replayed),
      [false, false, true, false, true],
    );
    assert.deepEqual(bodyOf(batch[2]!), bodyOf(used));
    assert.deepEqual(bodyOf(batch[4]!), bodyOf(batch[0]!));
    assert.equal((await balanceOf(fixture)).available, '89');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('an idempotency key used on one node replays on either, and books once', async () => {
    const { a, b, onA, onB } = await twoNodes('10');
    await debit(onA, '1');
    await debit(onB, '1');
    await debit(onB, '1'); // B remembers its state; A's is stale
    const first = await debit(onB, '3', { idempotencyKey: 'k1' }); // one trip on B
    assert.equal(b.store.oneTripCounts.oneTrip, 2);
    for (const fixture of [onB, onA, onB]) {
      const again = await debit(fixture, '3', { idempotencyKey: 'k1' });
      assert.equal(again.replayed, true);
      assert.deepEqual(bodyOf(again), bodyOf(first));
    }
    await rejectsWith(debit(onB, '4', { idempotencyKey: 'k1', fingerprint: 'another request' }), 'idempotency_conflict');
    assert.equal((await balanceOf(onA)).available, '4');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { verifyAll } from '../../src/app/verify.ts';
import type { DeliveryDependencies } from '../../src/webhooks/dispatcher.ts';
import { fanOutEvents } from '../../src/webhooks/fan-out.ts';
import type { CachedWalletState, CachedWalletWork } from '../../src/store/port.ts';
import { sqliteNodes } from '../support/sqlite-nodes.ts';
import { forStore } from '../support/stores.ts';
import { addWebhookEndpoint, balanceOf, bodyOf, createFixture, onStore, presentDebit, presentGrant, rejectsWith, tally, walletOf, type Fixture } from '../store-contract/fixtures.ts';

/**
 * Issue 14: a SQLite process remembers a wallet's state and books a debit on it
 * with no load at all, while `PRAGMA data_version` shows no other connection
 * committed. Two stores on one file are two processes (two writer connections):
 * one's commit must make the other forget every state, and a rolled-back batch
 * must not leave a state its rollback undid.
 */
forStore('sqlite', 'debits on a remembered wallet state without loads', (target) => {
  /** A store of its own (its own writer connection), recording the statements it runs. */
  const node = sqliteNodes(() => target.location());

  /** Two stores on one file, one environment. */
  async function twoStores() {
    const a = await node();
    const b = await node();
    const onA = await createFixture(a.store);
    return { a, b, onA, onB: onStore(onA, b.store) };
  }

  async function grant(fixture: Fixture, amount: string, priority?: number): Promise<string> {
    const input = { ...walletOf(fixture), amount, ...(priority === undefined ? {} : { priority }) };
    return bodyOf(await createGrant(fixture.dependencies, { context: fixture.context, input, present: presentGrant })).id as string;
  }

  function debit(fixture: Fixture, amount: string, idempotencyKey?: string) {
    return createDebit(fixture.dependencies, {
      context: fixture.context,
      input: { ...walletOf(fixture), amount },
      ...(idempotencyKey ? { idempotency: { key: idempotencyKey, fingerprint: amount } } : {}),
      present: presentDebit,
    });
  }

  it('books a debit on a remembered state with no read: the transaction only writes', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    await debit(fixture, '1'); // today's path: loads, then remembers the state it left
    a.statements.length = 0;
    await debit(fixture, '2');
    assert.deepEqual(
      a.statements.filter((sql) => /^\s*SELECT/i.test(sql)),
      [],
      'no SELECT: the wallet row and its grants came from memory',
    );
    assert.deepEqual(a.store.rememberedCounts, { remembered: 1, refused: 0, full: 1 });
    assert.equal((await balanceOf(fixture)).available, '97');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it("forgets every state when another connection commits: a stale state never books, today's path decides", async () => {
    const { a, b, onA, onB } = await twoStores();
    await grant(onA, '100');
    await debit(onA, '10');
    await debit(onA, '10'); // on A's remembered state: 80 left
    assert.equal(a.store.rememberedCounts.remembered, 1);
    await debit(onB, '70'); // B commits: 10 left
    // On A's stale state 50 would fit; in truth 10 are left.
    await rejectsWith(debit(onA, '50'), 'insufficient_balance');
    assert.equal(a.store.rememberedCounts.remembered, 1, 'the stale state was not used');
    for (let round = 0; round < 4; round += 1) await debit(round % 2 === 0 ? onA : onB, '2');
    assert.equal((await balanceOf(onA)).available, '2');
    await rejectsWith(debit(onB, '3'), 'insufficient_balance');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it("forgets every state on another connection's change that books no ledger entry (a grant's priority)", async () => {
    const { a, b, onA, onB } = await twoStores();
    const first = await grant(onA, '10', 1);
    const second = await grant(onA, '10', 2);
    assert.equal(bodyOf(await debit(onA, '1')).allocations[0].grantId, first); // A remembers: `first` burns first
    await changeGrant(onB.dependencies, { context: onB.context, grantId: second, action: { kind: 'update', changes: { priority: 0 } }, present: presentGrant });
    assert.deepEqual(bodyOf(await debit(onA, '1')).allocations, [{ grantId: second, amount: '1' }]);
    assert.deepEqual(a.store.rememberedCounts, { remembered: 0, refused: 0, full: 2 });
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it('two stores racing on one wallet, each with remembered states, spend exactly what they booked', async () => {
    const { a, b, onA, onB } = await twoStores();
    await grant(onA, '100');
    const results: Array<PromiseSettledResult<unknown>> = [];
    // Rounds of concurrent debits on each store, the stores taking turns: each round's batch starts on the state the other's commit left.
    for (let round = 0; round < 12; round += 1) {
      const fixture = round % 2 === 0 ? onA : onB;
      results.push(...(await Promise.allSettled(Array.from({ length: 10 }, () => debit(fixture, '1')))));
    }
    const { values, errors } = tally(results);
    assert.equal(values.length, 100);
    assert.deepEqual(new Set(errors), new Set(['insufficient_balance']));
    assert.ok(a.store.rememberedCounts.remembered + b.store.rememberedCounts.remembered > 0, 'some debits ran on a remembered state');
    assert.equal((await balanceOf(onB)).available, '0');
    assert.deepEqual((await verifyAll(onA.dependencies)).problems, []);
  });

  it('replays an idempotency key on a remembered state (its insert is refused and undone) and books once', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10');
    await debit(fixture, '1');
    const first = await debit(fixture, '3', 'k1'); // on the remembered state
    const again = await debit(fixture, '3', 'k1');
    assert.equal(again.replayed, true);
    assert.deepEqual(bodyOf(again), bodyOf(first));
    assert.equal(a.store.rememberedCounts.refused, 1);
    assert.equal((await balanceOf(fixture)).available, '6');
    await debit(fixture, '1');
    assert.equal((await balanceOf(fixture)).available, '5');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('a rolled-back batch leaves no state it wrote through: the debit runs again on what is stored', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    await debit(fixture, '10'); // remembered: 90 left
    // Queue, right behind the next debit and in its batch, a work that writes and then fails:
    // without savepoints the whole transaction rolls back, undoing the debit written on the remembered state.
    let failing: Promise<unknown> | undefined;
    const original = a.store.cachedWalletTransaction.bind(a.store);
    a.store.cachedWalletTransaction = <T, State extends CachedWalletState>(key: string, work: CachedWalletWork<T, State>): Promise<T> => {
      const result = original(key, work);
      failing = a.store.transaction(
        async (repository) => {
          await repository.idempotency.insert({
            environmentId: fixture.environment.id,
            scope: 'environment',
            key: 'rolled-back',
            fingerprint: 'x',
            status: 200,
            body: '{}',
            createdAt: 0,
            expiresAt: null,
          });
          throw new Error('fails after writing');
        },
        { coalesceKey: 'another wallet' },
      );
      return result;
    };
    const booked = await debit(fixture, '10');
    await assert.rejects(failing!, /fails after writing/);
    a.store.cachedWalletTransaction = original;
    assert.equal(bodyOf(booked).amount, '10');
    assert.equal((await balanceOf(fixture)).available, '80');
    await debit(fixture, '5');
    assert.equal((await balanceOf(fixture)).available, '75');
    const stored = await fixture.store.read((repository) => repository.idempotency.get(fixture.environment.id, 'environment', 'rolled-back'));
    assert.equal(stored, undefined);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
  it('keeps every state across background writes that touch no wallet (the outbox fan-out), and drops them on a write that does', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    // An endpoint, so the events wait for the fan-out (without one they are written fanned out).
    await addWebhookEndpoint(fixture);
    const grantId = await grant(fixture, '100');
    await debit(fixture, '1'); // loads, then remembers
    // The webhook fan-out marks the debits' events in a transaction of its own with no coalesce key.
    assert.ok((await fanOutEvents(fixture.dependencies as unknown as DeliveryDependencies)) > 0, 'the fan-out wrote');
    await debit(fixture, '2');
    assert.deepEqual(a.store.rememberedCounts, { remembered: 1, refused: 0, full: 1 }, 'the fan-out left the state remembered');
    // A plain transaction that writes a grant row may change any wallet: every state is forgotten.
    await a.store.transaction((repository) => repository.grants.updateDetails(grantId, { name: 'renamed', metadata: {} }));
    await debit(fixture, '3');
    assert.deepEqual(a.store.rememberedCounts, { remembered: 1, refused: 0, full: 2 }, 'the grant write made the next debit load');
    assert.equal((await balanceOf(fixture)).available, '94');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

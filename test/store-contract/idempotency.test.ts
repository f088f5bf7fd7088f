import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCustomer, listCustomers } from '../../src/app/accounts.ts';
import { createDebit, createDebitBatch, type PresentDebit } from '../../src/app/debits.ts';
import type { BatchItemResult } from '../../src/app/batch.ts';
import { createGrant } from '../../src/app/grants.ts';
import { fingerprintOf, IDEMPOTENCY_RETENTION_MS, purgeExpiredIdempotencyKeys } from '../../src/app/idempotency.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { listLedgerEntries } from '../../src/app/ledger-reads.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { forEachStore } from '../support/stores.ts';
import { balanceOf, bodyOf, createFixture, onStore, presentDebit, presentGrant, rejectsWith, T0, tally, walletOf, type Fixture } from './fixtures.ts';

function debitOnce(fixture: Fixture, input: { amount: string; walletKey?: string }, key: string) {
  const request = { ...walletOf(fixture, input.walletKey), amount: input.amount };
  return createDebit(fixture.dependencies, {
    context: fixture.context,
    input: request,
    idempotency: { key, fingerprint: fingerprintOf('debits.create', request) },
    present: presentDebit,
  });
}

/** A debit batch with a batch key, fingerprinted over the whole body as the route does. */
function batchOnce(fixture: Fixture, items: Array<{ amount: string; walletKey?: string }>, key: string, present: PresentDebit = presentDebit) {
  const debits = items.map((item) => ({ ...walletOf(fixture, item.walletKey), amount: item.amount }));
  return createDebitBatch(fixture.dependencies, {
    context: fixture.context,
    items: debits,
    idempotency: { key, fingerprint: fingerprintOf('debits.batch', { debits }) },
    present,
  });
}

/** Each item's [status, replayed, debit ID]: `failed` with the error's code for a failed one. */
function resultsOf(results: BatchItemResult[]) {
  return results.map((result) => ('outcome' in result ? ['succeeded', result.outcome.replayed, bodyOf(result.outcome).id] : ['failed', result.error.code]));
}

async function grant(fixture: Fixture, amount: string, walletKey?: string) {
  return bodyOf(
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture, walletKey), amount }, present: presentGrant }),
  );
}

/** How many writes made on a remembered wallet state the store refused (a used idempotency key) and ran again on today's path. */
function refusedRememberedWrites(store: Fixture['store']): number {
  return store instanceof SqliteStore ? store.rememberedCounts.refused : (store as PostgresStore).oneTripCounts.stale;
}

forEachStore('idempotency', (target) => {
  it('replays the first response for the same key and request, and 409s a different request', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '10');
    const first = await debitOnce(fixture, { amount: '3' }, 'debit-1');
    const again = await debitOnce(fixture, { amount: '3' }, 'debit-1');
    assert.equal(first.replayed, false);
    assert.equal(again.replayed, true);
    assert.equal(again.status, first.status);
    assert.deepEqual(again.body, first.body);
    assert.equal((await balanceOf(fixture)).available, '7');
    const conflict = await rejectsWith(debitOnce(fixture, { amount: '4' }, 'debit-1'), 'idempotency_conflict');
    assert.equal(conflict.param, 'idempotencyKey');
    assert.equal((await balanceOf(fixture)).available, '7');
    // A failed request stores nothing: the key stays free.
    await rejectsWith(debitOnce(fixture, { amount: '100' }, 'debit-2'), 'insufficient_balance');
    assert.equal((await debitOnce(fixture, { amount: '1' }, 'debit-2')).replayed, false);
    assert.equal((await balanceOf(fixture)).available, '6');
  });

  it('takes a record stored with a fingerprint an earlier release gave the request (alsoMatches) as this request, on a remembered state and on a node that remembers none', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    await grant(fixture, '10');
    const request = (amount: string) => ({ ...walletOf(fixture), amount });
    // Today's fingerprint, and the one a release before a change to the fingerprint gave the same request.
    const idempotencyFor = (amount: string) => ({ key: 'across-upgrade', fingerprint: fingerprintOf('debits.create', request(amount)), alsoMatches: [fingerprintOf('debits.create:earlier', request(amount))] });
    const debit = (on: Fixture, amount: string, idempotency: { key: string; fingerprint: string; alsoMatches?: string[] }) =>
      createDebit(on.dependencies, { context: on.context, input: request(amount), idempotency, present: presentDebit });
    // Stored before the upgrade: with the earlier fingerprint only. This node now remembers the wallet's state.
    const first = await debit(fixture, '3', { key: 'across-upgrade', fingerprint: idempotencyFor('3').alsoMatches[0]! });
    const refusedBefore = refusedRememberedWrites(fixture.store);
    const retried = await debit(fixture, '3', idempotencyFor('3'));
    assert.equal(retried.replayed, true);
    assert.deepEqual(retried.body, first.body);
    assert.equal(refusedRememberedWrites(fixture.store), refusedBefore + 1, "the remembered state's record insert failed, and today's path replayed");
    const elsewhere = await debit(otherNode, '3', idempotencyFor('3'));
    assert.equal(elsewhere.replayed, true);
    assert.deepEqual(elsewhere.body, first.body);
    assert.equal((await balanceOf(fixture)).available, '7');
    // Another request, whatever its earlier fingerprint, is still a conflict on both paths.
    await rejectsWith(debit(fixture, '4', idempotencyFor('4')), 'idempotency_conflict');
    await rejectsWith(debit(otherNode, '4', idempotencyFor('4')), 'idempotency_conflict');
    assert.equal((await balanceOf(fixture)).available, '7');
  });

  it('scopes grant keys to the wallet and keeps them forever', async () => {
    const fixture = await createFixture(await target.open());
    const grantWithKey = (walletKey: string) => {
      const input = { ...walletOf(fixture, walletKey), amount: '5' };
      return createGrant(fixture.dependencies, {
        context: fixture.context,
        input,
        idempotency: { key: 'monthly-2024-01', fingerprint: fingerprintOf('grants.create', input) },
        present: presentGrant,
      });
    };
    const first = await grantWithKey('a');
    const otherWallet = await grantWithKey('b');
    const replay = await grantWithKey('a');
    assert.equal(otherWallet.replayed, false);
    assert.notEqual(bodyOf(otherWallet).id, bodyOf(first).id);
    assert.equal(replay.replayed, true);
    assert.deepEqual(replay.body, first.body);
    const stored = await fixture.store.read((repository) =>
      repository.idempotency.get(fixture.environment.id, `wallet:${bodyOf(first).walletId}`, 'monthly-2024-01'),
    );
    assert.equal(stored!.expiresAt, null);
  });

  it('executes concurrent requests with the same key once', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '100');
    const results = await Promise.all(Array.from({ length: 20 }, () => debitOnce(fixture, { amount: '7' }, 'same-key')));
    assert.equal(results.filter((result) => !result.replayed).length, 1);
    for (const result of results) assert.deepEqual(result.body, results[0]!.body);
    assert.equal((await balanceOf(fixture)).available, '93');
    const debits = await listLedgerEntries(fixture.dependencies, fixture.context, { customerId: fixture.customer.id }, { limit: 100, startingAfter: null });
    assert.equal(debits.data.filter((entry) => entry.type === 'debit').length, 1);
  });

  it('executes concurrent same-key requests once across two nodes', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    await grant(fixture, '100');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => debitOnce(index % 2 === 0 ? fixture : otherNode, { amount: '7' }, 'same-key')),
    );
    assert.equal(results.filter((result) => !result.replayed).length, 1);
    for (const result of results) assert.deepEqual(result.body, results[0]!.body);
    assert.equal((await balanceOf(fixture)).available, '93');
  });

  it('creates one grant for concurrent same-key requests on a wallet that does not exist yet', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    const input = { ...walletOf(fixture, 'brand-new'), amount: '12.5' };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        createGrant((index % 2 ? fixture : otherNode).dependencies, {
          context: fixture.context,
          input,
          idempotency: { key: 'welcome-bonus', fingerprint: fingerprintOf('grants.create', input) },
          present: presentGrant,
        }),
      ),
    );
    assert.equal(results.filter((result) => !result.replayed).length, 1);
    for (const result of results) assert.deepEqual(result.body, results[0]!.body);
    assert.equal((await balanceOf(fixture, { walletKey: 'brand-new' })).available, '12.5');
  });

  it('lets one of several concurrent different requests with the same key win, and 409s the rest', async () => {
    // Different wallets, so no wallet lock orders them: on PostgreSQL the
    // losers hit the idempotency key's unique index and must run again to see the winner.
    const fixture = await createFixture(await target.open());
    const walletKeys = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'];
    for (const walletKey of walletKeys) await grant(fixture, '10', walletKey);
    const settled = await Promise.allSettled(walletKeys.map((walletKey) => debitOnce(fixture, { amount: '1', walletKey }, 'shared-key')));
    const { values, errors } = tally(settled);
    assert.equal(values.length, 1);
    assert.equal(values[0]!.replayed, false);
    assert.deepEqual(errors, Array(walletKeys.length - 1).fill('idempotency_conflict'));
    const available = await Promise.all(walletKeys.map(async (walletKey) => (await balanceOf(fixture, { walletKey })).available));
    assert.deepEqual([...available].sort(), ['10', '10', '10', '10', '10', '9']);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('creates one customer for concurrent requests with the same key, with no wallet lock to serialise them', async () => {
    const fixture = await createFixture(await target.open());
    const input = { externalId: 'acme', name: 'Acme' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        createCustomer(fixture.dependencies, {
          context: fixture.context,
          input,
          idempotency: { key: 'customer-acme', fingerprint: fingerprintOf('customers.create', input) },
          present: (customer) => ({ status: 201, body: { id: customer.id } }),
        }),
      ),
    );
    assert.equal(results.filter((result) => !result.replayed).length, 1);
    for (const result of results) assert.deepEqual(result.body, results[0]!.body);
    const customers = await listCustomers(fixture.dependencies, fixture.context, { limit: 100, startingAfter: null });
    assert.equal(customers.data.filter((customer) => customer.externalId === 'acme').length, 1);
  });

  it('reports a concurrent duplicate externalId as a conflict, never a database error', async () => {
    const fixture = await createFixture(await target.open());
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        createCustomer(fixture.dependencies, {
          context: fixture.context,
          input: { externalId: 'dup' },
          present: (customer) => ({ status: 201, body: { id: customer.id } }),
        }),
      ),
    );
    const { values, errors } = tally(settled);
    assert.equal(values.length, 1);
    assert.deepEqual(errors, Array(5).fill('state_conflict'));
  });

  it('stores, finds and expires keys through the repository', async () => {
    const fixture = await createFixture(await target.open());
    const environmentId = fixture.environment.id;
    const record = {
      environmentId,
      scope: 'environment',
      key: 'k-1',
      fingerprint: 'f'.repeat(64),
      status: 201,
      body: JSON.stringify({ amount: '1234567890123456789012345.1234567891', text: 'ünïcode ✓' }),
      createdAt: T0,
      expiresAt: T0 + IDEMPOTENCY_RETENTION_MS,
    };
    const forever = { ...record, scope: 'wallet:wal_x', expiresAt: null };
    await fixture.store.transaction(async (repository) => {
      await repository.idempotency.insert(record);
      await repository.idempotency.insert(forever);
    });
    assert.deepEqual(await fixture.store.read((repository) => repository.idempotency.get(environmentId, 'environment', 'k-1')), record);
    assert.equal(await fixture.store.read((repository) => repository.idempotency.get(environmentId, 'environment', 'k-2')), undefined);
    await fixture.store.transaction(async (repository) => {
      assert.equal(await repository.idempotency.deleteExpired(T0 + IDEMPOTENCY_RETENTION_MS, 10), 0, 'kept for the whole retention');
    });
    const deleted = await fixture.store.transaction((repository) => repository.idempotency.deleteExpired(T0 + IDEMPOTENCY_RETENTION_MS + 1, 10));
    assert.ok(deleted >= 1);
    assert.equal(await fixture.store.read((repository) => repository.idempotency.get(environmentId, 'environment', 'k-1')), undefined);
    assert.deepEqual(await fixture.store.read((repository) => repository.idempotency.get(environmentId, 'wallet:wal_x', 'k-1')), forever);
  });

  it('purges expired keys a chunk per transaction, the oldest first, and keeps the rest', async () => {
    const fixture = await createFixture(await target.open());
    const environmentId = fixture.environment.id;
    const record = (key: string, expiresAt: number | null) => ({
      environmentId,
      scope: 'environment',
      key,
      fingerprint: 'f'.repeat(64),
      status: 201,
      body: '{}',
      createdAt: T0,
      expiresAt,
    });
    const expired = Array.from({ length: 25 }, (_, index) => record(`old-${index}`, T0 + index));
    const kept = [record('fresh', T0 + 1000), { ...record('grant', null), scope: 'wallet:wal_x' }];
    await fixture.store.transaction(async (repository) => {
      for (const item of [...expired, ...kept]) await repository.idempotency.insert(item);
    });
    const now = T0 + 500;
    const first = await fixture.store.transaction((repository) => repository.idempotency.deleteExpired(now, 10));
    assert.equal(first, 10, 'one call deletes at most its chunk');
    const stillThere = (key: string) => fixture.store.read((repository) => repository.idempotency.get(environmentId, 'environment', key));
    assert.equal(await stillThere('old-9'), undefined, 'the oldest go first');
    assert.ok(await stillThere('old-10'));
    fixture.clock.set(now);
    assert.equal(await purgeExpiredIdempotencyKeys(fixture.dependencies, 10), 15);
    for (const item of expired) assert.equal(await stillThere(item.key), undefined);
    assert.ok(await stillThere('fresh'));
    assert.ok(await fixture.store.read((repository) => repository.idempotency.get(environmentId, 'wallet:wal_x', 'grant')));
  });

  it('lets one of several concurrent batches with one key and different bodies book, across two nodes, and 409s the rest as a whole', async () => {
    // Different wallets, so no wallet lock orders them: only the batch key's own record can.
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    const walletKeys = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
    for (const walletKey of walletKeys) await grant(fixture, '10', walletKey);
    const settled = await Promise.allSettled(
      walletKeys.map((walletKey, index) =>
        batchOnce(index % 2 === 0 ? fixture : otherNode, [{ amount: '1', walletKey }, { amount: '2', walletKey }], 'shared-batch-key'),
      ),
    );
    const { values, errors } = tally(settled);
    assert.equal(values.length, 1, 'exactly one batch books');
    assert.deepEqual(resultsOf(values[0]!).map(([status, replayed]) => [status, replayed]), [
      ['succeeded', false],
      ['succeeded', false],
    ]);
    assert.deepEqual(errors, Array(walletKeys.length - 1).fill('idempotency_conflict'));
    const available = await Promise.all(walletKeys.map(async (walletKey) => (await balanceOf(fixture, { walletKey })).available));
    assert.deepEqual([...available].sort(), ['10', '10', '10', '10', '10', '7']);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('books each item once for concurrent identical batches with one key, across two nodes', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    await grant(fixture, '100');
    const items = [{ amount: '1' }, { amount: '2' }, { amount: '4' }];
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => batchOnce(index % 2 === 0 ? fixture : otherNode, items, 'same-batch')));
    for (const index of items.keys()) {
      const outcomes = results.map((result) => resultsOf(result)[index]!);
      assert.equal(outcomes.filter(([status, replayed]) => status === 'succeeded' && replayed === false).length, 1, `item ${index} booked once`);
      assert.equal(new Set(outcomes.map(([, , id]) => id)).size, 1, `item ${index} answers one debit`);
    }
    assert.equal((await balanceOf(fixture)).available, '93');
  });

  it('completes a batch that failed midway on a retry with the same body, booking each item once; another body is still refused', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '10');
    // Every transaction the failing attempt starts, to wait until all of them ended.
    const started: Array<Promise<unknown>> = [];
    const store = new Proxy(fixture.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'transaction' && property !== 'cachedWalletTransaction') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          const promise = (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
          started.push(promise);
          return promise;
        };
      },
    });
    const failing = { ...fixture, dependencies: { ...fixture.dependencies, store } };
    const items = [{ amount: '1' }, { amount: '2' }, { amount: '4' }];
    // The second item's transaction fails with an error that is not the caller's (a crash, as far as the batch knows).
    const crashOnTwo: PresentDebit = (debit, booked) => {
      const presented = presentDebit(debit, booked);
      if (bodyOf({ ...presented, replayed: false }).amount === '2') throw new Error('node lost mid-batch');
      return presented;
    };
    await assert.rejects(batchOnce(failing, items, 'resumable', crashOnTwo), /node lost mid-batch/);
    await Promise.allSettled(started);
    assert.equal((await balanceOf(fixture)).available, '5', 'the items that committed stay booked');
    await rejectsWith(batchOnce(fixture, [{ amount: '1' }, { amount: '4' }], 'resumable'), 'idempotency_conflict');
    const retried = resultsOf(await batchOnce(fixture, items, 'resumable'));
    assert.deepEqual(retried.map(([status, replayed]) => [status, replayed]), [
      ['succeeded', true],
      ['succeeded', false],
      ['succeeded', true],
    ]);
    assert.equal((await balanceOf(fixture)).available, '3');
    assert.deepEqual(resultsOf(await batchOnce(fixture, items, 'resumable')), retried.map(([status, , id]) => [status, true, id]));
    assert.equal((await balanceOf(fixture)).available, '3');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

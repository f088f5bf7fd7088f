import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { typeParsers } from '../../src/store/postgres/type-parsers.ts';
import { createGrant } from '../../src/app/grants.ts';
import type { CustomerRecord } from '../../src/store/records.ts';
import { forStore } from '../support/stores.ts';
import { createFixture, presentGrant, T0, walletOf, type Fixture } from './fixtures.ts';

/**
 * What only the PostgreSQL adapter promises, beyond the shared contract:
 * one snapshot per read, bounded retries, type parsing and pool sizing.
 */

function newCustomer(fixture: Fixture, externalId: string): CustomerRecord {
  return { id: fixture.dependencies.newId('cus'), environmentId: fixture.environment.id, externalId, name: null, email: null, metadata: {}, createdAt: T0 };
}

forStore('postgres', 'PostgreSQL adapter', (target) => {
  it('reads from one snapshot however long the read takes', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = await target.open();
    const customer = newCustomer(fixture, 'late');
    const seen = await fixture.store.read(async (repository) => {
      const before = await repository.accounts.listCustomers(fixture.environment.id, { limit: 100, startingAfter: null });
      await otherNode.transaction((writer) => writer.accounts.insertCustomer(customer));
      const after = await repository.accounts.listCustomers(fixture.environment.id, { limit: 100, startingAfter: null });
      return { before: before.data.length, after: after.data.length };
    });
    assert.deepEqual(seen, { before: 1, after: 1 });
    assert.ok(await fixture.store.read((repository) => repository.accounts.getCustomer(customer.environmentId, customer.id)));
  });

  it('refuses writes and row locks inside a read', async () => {
    const fixture = await createFixture(await target.open());
    await assert.rejects(
      fixture.store.read((repository) => repository.accounts.insertCustomer(newCustomer(fixture, 'nope'))),
      (error: unknown) => error instanceof pg.DatabaseError && error.code === '25006',
    );
  });

  it('retries a unique violation a bounded number of times, then reports it', async () => {
    const fixture = await createFixture(await target.open());
    const customer = newCustomer(fixture, 'twice');
    await fixture.store.transaction((repository) => repository.accounts.insertCustomer(customer));
    let attempts = 0;
    await assert.rejects(
      fixture.store.transaction(async (repository) => {
        attempts += 1;
        await repository.accounts.insertCustomer({ ...customer, id: fixture.dependencies.newId('cus') });
      }),
      (error: unknown) => error instanceof pg.DatabaseError && error.code === '23505',
    );
    assert.equal(attempts, 3);
    // Errors that are not retryable run once.
    attempts = 0;
    await assert.rejects(
      fixture.store.transaction(async () => {
        attempts += 1;
        throw new Error('not retryable');
      }),
    );
    assert.equal(attempts, 1);
  });

  it('retries a deadlock and completes both transactions', async () => {
    const fixture = await createFixture(await target.open());
    const walletIds: string[] = [];
    for (const walletKey of ['left', 'right']) {
      const outcome = await createGrant(fixture.dependencies, {
        context: fixture.context,
        input: { ...walletOf(fixture, walletKey), amount: '1' },
        present: presentGrant,
      });
      walletIds.push((outcome.body as { walletId: string }).walletId);
    }
    // Two transactions lock the same two wallets in opposite orders. PostgreSQL
    // aborts one of them (40P01, after deadlock_timeout) and the store runs it again.
    let firstLocks = 0;
    let bothHoldOne!: () => void;
    const rendezvous = new Promise<void>((resolve) => (bothHoldOne = resolve));
    let attempts = 0;
    const lockBoth = (order: string[]) =>
      fixture.store.transaction(async (repository) => {
        attempts += 1;
        await repository.wallets.getById(fixture.environment.id, order[0]!, { lock: true });
        if ((firstLocks += 1) === 2) bothHoldOne();
        await rendezvous;
        await repository.wallets.getById(fixture.environment.id, order[1]!, { lock: true });
        return 'done';
      });
    assert.deepEqual(await Promise.all([lockBoth(walletIds), lockBoth([...walletIds].reverse())]), ['done', 'done']);
    // Usually one of them is aborted; when both detect the cycle at once, both are, and both run again.
    assert.ok(attempts === 3 || attempts === 4, `attempts: ${attempts}`);
  });

  it('parses BIGINT as a JS number (bigint beyond 2^53) and NUMERIC as exact text', () => {
    const parseInt8 = typeParsers.getTypeParser(20, 'text') as (text: string) => unknown;
    const parseNumeric = typeParsers.getTypeParser(1700, 'text') as (text: string) => unknown;
    assert.equal(parseInt8('1704067200000'), 1704067200000);
    assert.equal(parseInt8('-42'), -42);
    assert.equal(parseInt8('9007199254740993'), 9007199254740993n, 'beyond 2^53: an exact bigint, never a rounded number');
    assert.equal(parseNumeric('1234567890123456789012345.1234567891'), '1234567890123456789012345.1234567891');
    assert.equal((typeParsers.getTypeParser(23, 'text') as (text: string) => unknown)('42'), 42, 'other types keep pg’s parsers');
  });

  it('sizes the pool from pool_size in the URL', async () => {
    const url = new URL(target.location());
    url.searchParams.set('pool_size', '1');
    const store = new PostgresStore(url.toString());
    try {
      await store.migrate();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const order: string[] = [];
      const holding = store.transaction(async () => {
        await released;
        order.push('first');
      });
      const waiting = store.read(async () => void order.push('second'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(order, [], 'the only connection is taken');
      release();
      await Promise.all([holding, waiting]);
      assert.deepEqual(order, ['first', 'second']);
    } finally {
      await store.close();
      await store.close();
    }
  });

  it('keeps working after the server ends its pooled connections', async () => {
    const fixture = await createFixture(await target.open({ poolSize: 4 }));
    await Promise.all(Array.from({ length: 4 }, () => fixture.store.read((repository) => repository.accounts.listEnvironments())));
    const admin = new pg.Client({ connectionString: target.location() });
    await admin.connect();
    try {
      const ended = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'creditbook'",
      );
      assert.ok(ended.rowCount! >= 1);
    } finally {
      await admin.end();
    }
    const results = await Promise.all(
      Array.from({ length: 4 }, () => fixture.store.read((repository) => repository.accounts.getEnvironment(fixture.environment.id))),
    );
    for (const environment of results) assert.equal(environment?.id, fixture.environment.id);
  });

  it('refuses a repository used after its transaction ended', async () => {
    const fixture = await createFixture(await target.open());
    const escaped = await fixture.store.transaction(async (repository) => repository);
    await assert.rejects(escaped.accounts.getEnvironment(fixture.environment.id), /after its transaction ended/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ensureEnvironment } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createDebit } from '../../src/app/debits.ts';
import { setBalanceSettings } from '../../src/app/auto-top-up-settings.ts';
import { listEvents } from '../../src/app/events.ts';
import { listDebits } from '../../src/app/debit-reads.ts';
import { debitCreatedEventId } from '../../src/store/repository/event-queries.ts';
import { migrations, migrationSql } from '../../src/store/migrations/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SendSlots } from '../../src/webhooks/send-slots.ts';
import { openRawDatabase } from '../support/raw-database.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, addWebhookEndpoint, allPages, balanceOf, createFixture, presentDebit, presentGrant, T0, walletOf, webhookDelivery } from './fixtures.ts';

const allVersions = migrations.map((migration) => migration.version);

forEachStore('migrations, one node after another', (target) => {
  it('applies every migration once, then nothing', async () => {
    const first = await target.open({ migrate: false });
    assert.deepEqual(await first.migrate(), allVersions);
    assert.deepEqual(await first.migrate(), []);
    const second = await target.open({ migrate: false });
    assert.deepEqual(await second.migrate(), []);
    const fixture = await createFixture(second);
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1' }, present: presentGrant });
    assert.equal((await balanceOf(fixture)).available, '1');
  });
});

forEachStore('migrations, nodes starting at once', (target) => {
  it('migrates exactly once when several nodes start together', async () => {
    const nodes = await Promise.all(Array.from({ length: 5 }, () => target.open({ migrate: false, poolSize: 2 })));
    const results = await Promise.all(nodes.map((node) => node.migrate()));
    assert.deepEqual(
      results.filter((applied) => applied.length > 0),
      [allVersions],
      `one node applies the migrations, the others find them done: ${JSON.stringify(results)}`,
    );
    assert.deepEqual(await Promise.all(nodes.map((node) => node.migrate())), nodes.map(() => []));
    const fixture = await createFixture(nodes[4]!);
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '2' }, present: presentGrant });
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

forEachStore('first start of several nodes', (target) => {
  it('creates one default test environment, whichever node gets there first', async () => {
    const nodes = await Promise.all(Array.from({ length: 3 }, () => target.open({ poolSize: 2 })));
    const environments = await Promise.all(nodes.map((node) => ensureEnvironment(composeDependencies(node), 'test')));
    assert.equal(new Set(environments.map((environment) => environment.id)).size, 1);
    const stored = await nodes[0]!.read((repository) => repository.accounts.listEnvironments());
    assert.equal(stored.filter((environment) => environment.mode === 'test').length, 1);
  });
});

forEachStore('migration 14 on a database that has wallets already', (target) => {
  it('flags exactly the wallets that have balance settings', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const other = await addCustomer(fixture, 'no-settings');
    await setBalanceSettings(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), lowBalanceThreshold: '5' }, present: () => ({ status: 200, body: null }) });
    await createGrant(fixture.dependencies, { context: fixture.context, input: { customerId: other.id, unit: fixture.unit, amount: '1' }, present: presentGrant });
    // The database as migration 13 left it: no flag column, migration 14 not recorded.
    const before = ['ALTER TABLE wallets DROP COLUMN has_settings', 'DELETE FROM schema_migrations WHERE version = 14'];
    await runOnDatabase(target, before);
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [14]);
    const flags = await upgraded.read(async (repository) => [
      (await repository.wallets.find({ environmentId: fixture.environment.id, ...walletOf(fixture) }, { lock: false }))?.hasSettings,
      (await repository.wallets.find({ environmentId: fixture.environment.id, customerId: other.id, unit: fixture.unit, walletKey: '' }, { lock: false }))?.hasSettings,
    ]);
    assert.deepEqual(flags, [true, false]);
  });
});

describe('migration 16 on a SQLite database with an audit log', () => {
  it('keeps every row, its indexes and its append-only triggers, in one B-tree without rowids', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'creditbook-migration-16-'));
    try {
      const path = join(directory, 'creditbook.db');
      // The database as migration 15 left it, built by the same SQL the store runs.
      const database = new Database(path);
      database.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      for (const migration of migrations.filter((candidate) => candidate.version <= 15)) {
        database.exec(migrationSql(migration, 'sqlite'));
        database.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 0);
      }
      database.prepare("INSERT INTO environments (id, mode, name, created_at) VALUES ('env_1', 'test', 'Test', 0)").run();
      const insert = database.prepare('INSERT INTO audit_log (id, environment_id, api_key_id, operation, object_id, request_id, client_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const rows = Array.from({ length: 300 }, (_, index) => {
        const id = `aud_${String(index).padStart(4, '0')}`;
        return { id, environment_id: 'env_1', api_key_id: `key_${index % 3}`, operation: 'POST /v1/debits', object_id: index % 5 === 0 ? null : `dbt_${index}`, request_id: `req_${index}`, client_address: '127.0.0.1', created_at: index };
      });
      for (const row of [...rows].reverse()) insert.run(...Object.values(row));
      assert.deepEqual(auditIndexes(database), ['audit_log_key', 'audit_log_object', 'sqlite_autoindex_audit_log_1']);
      database.close();

      const store = new SqliteStore(path);
      try {
        assert.deepEqual(await store.migrate(), allVersions.filter((version) => version > 15));
      } finally {
        await store.close();
      }

      const migrated = new Database(path);
      try {
        assert.deepEqual(migrated.prepare('SELECT * FROM audit_log ORDER BY id').all(), rows);
        assert.throws(() => migrated.prepare('SELECT rowid FROM audit_log').get(), /no such column: rowid/);
        // The primary key is the table itself: no automatic index beside it.
        assert.deepEqual(auditIndexes(migrated), ['audit_log_key', 'audit_log_object']);
        assert.equal(migrated.prepare("SELECT count(*) FROM audit_log INDEXED BY audit_log_key WHERE environment_id = 'env_1' AND api_key_id = 'key_1'").pluck().get(), 100);
        assert.throws(() => migrated.prepare("UPDATE audit_log SET operation = 'x' WHERE id = 'aud_0001'").run(), /append-only/);
        assert.throws(() => migrated.prepare("DELETE FROM audit_log WHERE id = 'aud_0001'").run(), /append-only/);
        assert.throws(() => migrated.prepare("INSERT INTO audit_log (id, environment_id, api_key_id, operation, request_id, client_address, created_at) VALUES ('aud_x', 'env_none', 'k', 'o', 'r', 'a', 0)").run(), /FOREIGN KEY/);
      } finally {
        migrated.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

function auditIndexes(database: Database.Database): string[] {
  return database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' ORDER BY name").pluck().all() as string[];
}

forEachStore('migration 17 on a database with a ledger', (target) => {
  it('gives every grant the span of its entries, and none to a grant not yet effective', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const { dependencies, context, clock } = fixture;
    const first = await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '3', priority: 1 }, present: presentGrant });
    const second = await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '50', priority: 2 }, present: presentGrant });
    const later = await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '5', effectiveAt: clock.now() + 86_400_000 }, present: presentGrant });
    for (let index = 0; index < 5; index += 1) await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '1' }, present: presentDebit });
    // The database as migration 16 left it: the index by grant, no spans, migration 17 not recorded.
    const before = [
      'CREATE INDEX ledger_entries_grant_sequence ON ledger_entries (grant_id, sequence)',
      'ALTER TABLE grants DROP COLUMN first_entry_sequence',
      'ALTER TABLE grants DROP COLUMN last_entry_sequence',
      'DELETE FROM schema_migrations WHERE version = 17',
    ];
    await runOnDatabase(target, before);
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [17]);
    const spans = await upgraded.read(async (repository) =>
      Promise.all([first, second, later].map(async (made) => {
        const grant = await repository.grants.get(context.environment.id, (made.body as { id: string }).id);
        return [grant!.firstEntrySequence, grant!.lastEntrySequence];
      })),
    );
    // Entries: 1 and 2 the two grants, 3-5 the debits that use up the first, 6-7 the two from the second.
    assert.deepEqual(spans, [[1, 5], [2, 7], [null, null]]);
    assert.deepEqual((await verifyAll(composeDependencies(upgraded))).problems, []);
  });
});

forEachStore('migration 19 on a database with events', (target) => {
  it('indexes only events with a customer, and a customer still lists every event of its own', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const { dependencies, context } = fixture;
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '5' }, present: presentGrant });
    const debit = (await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '1' }, present: presentDebit })).body as { id: string };
    // A debit event as the previous version wrote it: an ID of its own, and the customer.
    const earlier = { id: dependencies.newId('evt'), environmentId: context.environment.id, type: 'debit.created', data: { debitId: debit.id, customerId: fixture.customer.id }, createdAt: 0 };
    await store.transaction((repository) => repository.events.insertMany([earlier]));
    const listed = () => allPages(2, (page) => listEvents(dependencies, context, { customerId: fixture.customer.id }, page)).then((events) => events.map((event) => event.id).sort());
    const before = await listed();
    assert.ok(before.includes(earlier.id) && before.includes(debitCreatedEventId(debit.id)), JSON.stringify(before));
    // The database as migration 18 left it: events_customer indexes every event.
    await runOnDatabase(target, ['DROP INDEX events_customer', 'CREATE INDEX events_customer ON events (environment_id, customer_id, id)', 'DELETE FROM schema_migrations WHERE version = 19']);
    assert.doesNotMatch(await indexDefinition(target, 'events_customer'), /WHERE/);
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [19]);
    assert.match(await indexDefinition(target, 'events_customer'), /WHERE \(?customer_id IS NOT NULL\)?/);
    assert.deepEqual(await allPages(2, (page) => listEvents(composeDependencies(upgraded), context, { customerId: fixture.customer.id }, page)).then((events) => events.map((event) => event.id).sort()), before);
  });
});

forEachStore('migration 20 on a database with debits', (target) => {
  it('drops the debits’ index by customer, and a customer still lists every debit of its own, those that took nothing among them', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const { dependencies, context } = fixture;
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '2' }, present: presentGrant });
    for (const amount of ['1', '5', '3']) await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount, onInsufficient: 'partial' }, present: presentDebit });
    const listed = (on: typeof dependencies) => allPages(1, (page) => listDebits(on, context, { customerId: fixture.customer.id }, page)).then((debits) => debits.map((debit) => debit.id));
    const before = await listed(dependencies);
    assert.equal(before.length, 3);
    // The database as migration 19 left it: the debits indexed by customer, and no last debit on wallets.
    await runOnDatabase(target, [
      'DROP INDEX debits_unbooked',
      'CREATE INDEX debits_customer ON debits (environment_id, customer_id, id)',
      'ALTER TABLE wallets DROP COLUMN last_debit_id',
      'DELETE FROM schema_migrations WHERE version = 20',
    ]);
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [20]);
    assert.equal(await indexDefinition(target, 'debits_customer'), 'undefined');
    assert.match(await indexDefinition(target, 'debits_unbooked'), /WHERE .*consumed.*overdrawn/);
    const upgradedDependencies = composeDependencies(upgraded);
    assert.deepEqual(await listed(upgradedDependencies), before);
    assert.deepEqual((await verifyAll(upgradedDependencies)).problems, []);
    // The next debit sets the wallet's last debit, and lists first.
    const next = (await createDebit(upgradedDependencies, { context, input: { ...walletOf(fixture), amount: '1', onInsufficient: 'partial' }, present: presentDebit })).body as { id: string };
    assert.deepEqual(await listed(upgradedDependencies), [next.id, ...before]);
    assert.deepEqual((await verifyAll(upgradedDependencies)).problems, []);
  });
});

forEachStore('migration 21 on a database with webhook deliveries', (target) => {
  it('indexes the pending deliveries by endpoint, and the claim within shares reads through it', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const [busy, quiet] = [await addWebhookEndpoint(fixture), await addWebhookEndpoint(fixture)];
    const deliveries = [
      ...Array.from({ length: 30 }, (_, index) => webhookDelivery(fixture, busy.id, `whd_m21_b${String(index).padStart(2, '0')}`, T0 + index)),
      webhookDelivery(fixture, quiet.id, 'whd_m21_q0', T0, 'delivered'),
      webhookDelivery(fixture, quiet.id, 'whd_m21_q1', T0 + 100),
    ];
    await store.transaction(async (repository) => {
      for (const delivery of deliveries) await repository.webhookDeliveries.insert(delivery);
    });
    // The database as migration 20 left it.
    await runOnDatabase(target, ['DROP INDEX webhook_deliveries_endpoint_due', 'DELETE FROM schema_migrations WHERE version = 21']);
    assert.equal(await indexDefinition(target, 'webhook_deliveries_endpoint_due'), 'undefined');
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [21]);
    assert.match(await indexDefinition(target, 'webhook_deliveries_endpoint_due'), /\(endpoint_id, next_attempt_at, id\) WHERE \(?status = 'pending'(::text)?\)?/);
    // The busy endpoint's 30 due fill the first due (4 × the limit of 5): the claim finds the quiet one's through the new index.
    const slots = new SendSlots(16);
    const claimed = await upgraded.transaction((repository) => repository.webhookDeliveries.claimDue({ now: T0 + 1000, leaseUntil: T0 + 60_000, limit: 5, shares: slots }));
    assert.deepEqual(claimed.map((delivery) => delivery.id), ['whd_m21_b00', 'whd_m21_b01', 'whd_m21_b02', 'whd_m21_b03', 'whd_m21_q1']);
  });
});

/** An index's definition as the database stores it. */
async function indexDefinition(target: { dialect: string; location(): string }, name: string): Promise<string> {
  const sql = target.dialect === 'sqlite' ? "SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND name = ?" : 'SELECT indexdef AS definition FROM pg_indexes WHERE indexname = ?';
  const database = await openRawDatabase(target);
  try {
    return String((await database.all<{ definition: string }>(sql, [name]))[0]?.definition);
  } finally {
    await database.close();
  }
}

async function runOnDatabase(target: { dialect: string; location(): string }, statements: string[]): Promise<void> {
  const database = await openRawDatabase(target);
  try {
    for (const sql of statements) await database.all(sql);
  } finally {
    await database.close();
  }
}

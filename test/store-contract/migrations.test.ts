import assert from 'node:assert/strict';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ensureEnvironment } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { createGrant } from '../../src/app/grants.ts';
import { setBalanceSettings } from '../../src/app/auto-top-up-settings.ts';
import { migrations } from '../../src/store/migrations/migrations.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, balanceOf, createFixture, presentGrant, walletOf } from './fixtures.ts';

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
    if (target.dialect === 'sqlite') {
      const database = new Database(target.location());
      for (const sql of before) database.exec(sql);
      database.close();
    } else {
      const client = new pg.Client({ connectionString: target.location() });
      await client.connect();
      try {
        for (const sql of before) await client.query(sql);
      } finally {
        await client.end();
      }
    }
    const upgraded = await target.open({ migrate: false });
    assert.deepEqual(await upgraded.migrate(), [14]);
    const flags = await upgraded.read(async (repository) => [
      (await repository.wallets.find({ environmentId: fixture.environment.id, ...walletOf(fixture) }, { lock: false }))?.hasSettings,
      (await repository.wallets.find({ environmentId: fixture.environment.id, customerId: other.id, unit: fixture.unit, walletKey: '' }, { lock: false }))?.hasSettings,
    ]);
    assert.deepEqual(flags, [true, false]);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { readSchemaRelations, type SchemaRelations } from '../../src/store/postgres/schema-relations.ts';
import { postgresClients } from '../support/postgres-clients.ts';
import { forStore } from '../support/stores.ts';

/**
 * The keys and triggers the one-trip path merges INSERTs by
 * (merged-inserts.ts) come from PostgreSQL's catalog: these check what that
 * read finds in the real migrated schema, that a store holds them once it has
 * migrated, and that a schema it cannot see leaves them incomplete.
 */
forStore('postgres', 'schema relations read from the catalog', (target) => {
  const connect = postgresClients(target);

  const keysOf = (relations: SchemaRelations) => relations.foreignKeys.map((key) => `${key.from}(${key.fromColumns.join(',')})->${key.to}(${key.toColumns.join(',')})`);
  const eventsOf = (relations: SchemaRelations, table: string) => [...(relations.triggers.get(table) ?? [])].sort();

  it("finds the migrated schema's foreign keys and triggers once the store has migrated", async () => {
    const store = (await target.open()) as PostgresStore;
    const relations = store.currentRelations();
    assert.equal(relations.complete, true);
    const keys = keysOf(relations);
    assert.ok(keys.includes('ledger_entries(wallet_id)->wallets(id)'), keys.join(' '));
    assert.ok(keys.includes('debits(wallet_id)->wallets(id)'), keys.join(' '));
    // A composite key keeps its columns in the key's order, on both sides.
    assert.ok(keys.includes('wallets(environment_id,customer_id)->customers(environment_id,id)'), keys.join(' '));
    assert.ok(keys.includes('webhook_attempts(delivery_id)->webhook_deliveries(id)'), keys.join(' '));
    // Nothing references the tables a debit inserts into.
    assert.deepEqual(relations.foreignKeys.filter((key) => ['debits', 'ledger_entries', 'events'].includes(key.to)), []);
    assert.deepEqual(eventsOf(relations, 'audit_log'), ['DELETE', 'TRUNCATE', 'UPDATE']);
    for (const table of ['debits', 'ledger_entries', 'events']) assert.equal(relations.triggers.get(table)?.has('INSERT') ?? false, false, table);
    // The foreign keys' own (internal) triggers are not user triggers.
    assert.equal(relations.triggers.has('wallets'), false);
  });

  it('holds nothing complete until it migrates, and reads on migrating when there was nothing to apply', async () => {
    await target.open();
    const store = (await target.open({ migrate: false })) as PostgresStore;
    assert.equal(store.currentRelations().complete, false);
    assert.deepEqual(await store.migrate(), []);
    assert.equal(store.currentRelations().complete, true);
    assert.deepEqual(eventsOf(store.currentRelations(), 'audit_log'), ['DELETE', 'TRUNCATE', 'UPDATE']);
  });

  it('sees a trigger or key added by hand, and knows nothing without a current schema', async () => {
    await target.open();
    const client = await connect();
    await client.query('CREATE FUNCTION count_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$');
    await client.query('CREATE TRIGGER events_counted AFTER INSERT OR UPDATE ON events FOR EACH STATEMENT EXECUTE FUNCTION count_events()');
    await client.query('CREATE TABLE event_notes (event_id TEXT REFERENCES events (id), note TEXT)');
    try {
      const relations = await readSchemaRelations(client);
      assert.deepEqual(eventsOf(relations, 'events'), ['INSERT', 'UPDATE']);
      assert.ok(keysOf(relations).includes('event_notes(event_id)->events(id)'));
      // Another schema's tables are not this store's.
      await client.query('CREATE SCHEMA elsewhere');
      await client.query('CREATE TABLE elsewhere.notes (id TEXT)');
      await client.query('CREATE TRIGGER notes_counted AFTER INSERT ON elsewhere.notes FOR EACH STATEMENT EXECUTE FUNCTION count_events()');
      assert.equal((await readSchemaRelations(client)).triggers.has('notes'), false);
      await client.query('SET search_path = nowhere');
      const unknown = await readSchemaRelations(client);
      assert.equal(unknown.complete, false);
    } finally {
      await client.query('RESET search_path');
      await client.query('DROP SCHEMA IF EXISTS elsewhere CASCADE');
      await client.query('DROP TABLE event_notes');
      await client.query('DROP TRIGGER events_counted ON events');
      await client.query('DROP FUNCTION count_events()');
    }
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createDebit } from '../../src/app/debits.ts';
import { listEvents } from '../../src/app/events.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import type { EventRecord } from '../../src/store/records.ts';
import { debitCreatedEventId } from '../../src/store/repository/event-queries.ts';
import { Repository } from '../../src/store/repository/repository.ts';
import type { SqlExecutor, StoreCapabilities } from '../../src/store/sql-executor.ts';
import { openRawDatabase } from '../support/raw-database.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, allPages, bodyOf, createFixture, presentDebit, presentGrant, presentHold, type Fixture } from './fixtures.ts';

type Step =
  | { kind: 'grant'; customer: number; credits: number }
  | { kind: 'debit'; customer: number; credits: number }
  /** A debit whose event is written as before debit events were found through debits: a random ID, indexed by customer. */
  | { kind: 'earlier-debit'; customer: number; credits: number }
  /** A capture books a debit with no `debit.created` event of its own. */
  | { kind: 'capture'; customer: number; credits: number };

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('grant' as const, 'debit' as const, 'debit' as const, 'earlier-debit' as const, 'capture' as const),
  customer: fc.nat(1),
  credits: fc.integer({ min: 1, max: 5 }),
});

type DeleteEvent = (id: string) => Promise<void>;
/** Debit events of an environment that `events_customer` holds under a customer. */
type CountIndexedDebitEvents = (environmentId: string) => Promise<number>;

const COUNT_INDEXED_DEBIT_EVENTS = "SELECT COUNT(*) AS count FROM events WHERE environment_id = ? AND type = 'debit.created' AND customer_id IS NOT NULL";

async function play(fixture: Fixture, customerIds: string[], steps: Step[], deleteEvent: DeleteEvent): Promise<void> {
  const { dependencies, context } = fixture;
  for (const current of steps) {
    const address = { customerId: customerIds[current.customer]!, unit: fixture.unit };
    const amount = String(current.credits);
    if (current.kind === 'grant') {
      await createGrant(dependencies, { context, input: { ...address, amount }, present: presentGrant });
    } else if (current.kind === 'capture') {
      await createGrant(dependencies, { context, input: { ...address, amount }, present: presentGrant });
      const hold = bodyOf(await createHold(dependencies, { context, input: { ...address, amount }, present: presentHold }));
      await endHold(dependencies, { context, holdId: hold.id, action: { kind: 'capture' }, present: presentHold });
    } else {
      const debit = bodyOf(await createDebit(dependencies, { context, input: { ...address, amount, onInsufficient: 'partial' }, present: presentDebit }));
      if (current.kind === 'earlier-debit') await rewriteAsEarlierEvent(fixture, debit.id, deleteEvent);
    }
  }
}

/** Replaces a debit's event by one as written before the rule: a fresh event ID, so `customer_id` is kept. */
async function rewriteAsEarlierEvent(fixture: Fixture, debitId: string, deleteEvent: DeleteEvent): Promise<void> {
  const derived = debitCreatedEventId(debitId);
  await fixture.store.transaction(async (repository) => {
    const event = await repository.outbox.get(derived);
    assert.ok(event, 'a debit writes its debit.created event under the derived ID');
    await repository.events.insertMany([Object.assign({}, event, { id: fixture.dependencies.newId('evt') })]);
  });
  await deleteEvent(derived);
}

/** Deletes an event from outside the store, as no code path of the product does, and counts rows as they are stored. */
async function rawEvents(target: { dialect: string; location(): string }): Promise<{ deleteEvent: DeleteEvent; countIndexedDebitEvents: CountIndexedDebitEvents; close: () => Promise<void> }> {
  const database = await openRawDatabase(target);
  return {
    deleteEvent: async (id) => {
      await database.all('DELETE FROM events WHERE id = ?', [id]);
    },
    countIndexedDebitEvents: async (environmentId) => Number((await database.all<{ count: number | string }>(COUNT_INDEXED_DEBIT_EVENTS, [environmentId]))[0]!.count),
    close: () => database.close(),
  };
}

/**
 * A customer's events are read from `events_customer` merged with the debit
 * events found through the customer's debits. Against a plain read of every
 * event of the environment (filtered and sorted here), every page size and type
 * filter lists exactly the customer's events, newest first: debit events of
 * both kinds (derived IDs, and random IDs as written before), captures (a debit
 * without a debit event), and another customer's events in between.
 */
forEachStore('a customer’s events through its debits (property)', (target) => {
  it('lists what a scan of the environment finds, newest first, whatever the page and type filter', async () => {
    const store = await target.open();
    const { deleteEvent, countIndexedDebitEvents, close } = await rawEvents(target);
    const seen = { bothKinds: 0, pagedMany: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(undefined, '*', 'debit.created', 'debit.*', 'hold.*', 'grant.created', 'balance.*'),
        async (steps, limit, type) => {
          const fixture = await createFixture(store);
          const customerIds = [fixture.customer.id, (await addCustomer(fixture, 'other')).id];
          await play(fixture, customerIds, steps, deleteEvent);
          // Only the debit events written as before carry a customer: the others add nothing to events_customer.
          assert.equal(await countIndexedDebitEvents(fixture.environment.id), steps.filter((current) => current.kind === 'earlier-debit').length);
          const everything = await allPages(500, (page) => listEvents(fixture.dependencies, fixture.context, {}, page));
          const family = type?.endsWith('.*') ? type.slice(0, -1) : undefined;
          const expected = everything.filter(
            (event) =>
              event.data.customerId === fixture.customer.id &&
              (type === undefined || type === '*' || (family === undefined ? event.type === type : event.type.startsWith(family))),
          );
          const listed = await allPages(limit, (page) => listEvents(fixture.dependencies, fixture.context, { customerId: fixture.customer.id, ...(type === undefined ? {} : { type }) }, page));
          const ids = (events: EventRecord[]) => events.map((event) => `${event.type} ${event.id}`);
          assert.deepEqual(ids(listed), ids(expected));
          const debitEvents = expected.filter((event) => event.type === 'debit.created');
          if (debitEvents.some((event) => event.id === debitCreatedEventId(String(event.data.debitId))) && debitEvents.some((event) => event.id !== debitCreatedEventId(String(event.data.debitId)))) seen.bothKinds += 1;
          if (expected.length > 2 * limit) seen.pagedMany += 1;
        },
      ),
      { numRuns: 40 },
    ).finally(close);
    // The generators reach the cases that matter: both kinds of debit event in one list, and lists of many pages.
    assert.ok(seen.bothKinds > 0 && seen.pagedMany > 0, JSON.stringify(seen));
  });
  it('reads a customer’s debits through its wallets’ ledger and the unbooked index, and each event by primary key', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    await play(fixture, [fixture.customer.id, (await addCustomer(fixture, 'other')).id], [
      { kind: 'grant', customer: 0, credits: 5 },
      { kind: 'debit', customer: 0, credits: 1 },
      { kind: 'debit', customer: 1, credits: 1 },
    ], async () => {});
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = { all: async (sql, params = []) => (recorded.push({ sql, params }), []), get: async () => undefined, run: async () => 0 };
    const capabilities: StoreCapabilities = { rowLocks: target.dialect === 'postgres', skipLocked: target.dialect === 'postgres', indexedBy: target.dialect === 'sqlite', mergesInserts: target.dialect === 'postgres', readsBlockEventLoop: target.dialect === 'sqlite' };
    const repository = new Repository(recorder, capabilities);
    await repository.ledger.debitsNamed({ walletId: 'wal_x', from: 1, to: 2048, descending: true, limit: 2048 });
    await repository.debits.listUnbookedOfCustomer(fixture.environment.id, fixture.customer.id, { unit: fixture.unit }, { after: 'dbt_9', before: 'dbt_0', descending: true, limit: 11 });
    await repository.debits.getMany(fixture.environment.id, ['dbt_1', 'dbt_2']);
    await repository.events.ofDebits(fixture.environment.id, ['dbt_1', 'dbt_2']);
    const [named, unbooked, debits, events] = await Promise.all(recorded.map(({ sql, params }) => explain(target, sql, params)));
    // Planned on the database the tests filled, after ANALYZE, with sequential scans ruled out where a table is small
    // enough for PostgreSQL to prefer one: each statement can be an index range or key lookups.
    assert.match(named!, /ledger_entries_wallet_sequence/, named);
    assert.match(unbooked!, /debits_unbooked/, unbooked);
    assert.match(debits!, target.dialect === 'sqlite' ? /SEARCH debits USING PRIMARY KEY \(id=\?\)/ : /debits_pkey/, debits);
    assert.match(events!, target.dialect === 'sqlite' ? /SEARCH events USING PRIMARY KEY \(id=\?\)/ : /events_pkey/, events);
    for (const plan of [named!, unbooked!, debits!, events!]) assert.doesNotMatch(plan, /Seq Scan|SCAN (events|debits|ledger_entries)|TEMP B-TREE|Sort/, plan);
  });
});

/** The plan the database makes for `sql` (with `?` placeholders) after ANALYZE, as one line of text. */
async function explain(target: { dialect: string; location(): string }, sql: string, params: readonly unknown[]): Promise<string> {
  const database = await openRawDatabase(target);
  try {
    await database.all('ANALYZE');
    if (target.dialect === 'postgres') await database.all('SET enable_seqscan = off');
    if (target.dialect === 'sqlite') return (await database.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((row) => row.detail).join(' | ');
    return (await database.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((row) => row['QUERY PLAN']).join(' | ');
  } finally {
    await database.close();
  }
}

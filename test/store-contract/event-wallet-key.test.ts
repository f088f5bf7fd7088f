import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { debitCreatedEventId } from '../../src/store/repository/event-queries.ts';
import { forEachStore } from '../support/stores.ts';
import { addWebhookEndpoint, createFixture, presentDebit, presentGrant, T0, walletOf } from './fixtures.ts';

const page = { limit: 1000, startingAfter: null };

forEachStore("an event's wallet key", (target) => {
  it('is null for the default wallet, written now or stored as "" by an earlier version, through every read of events', async () => {
    const fixture = await createFixture(await target.open());
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '5' }, present: presentGrant });
    await createDebit(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1' }, present: presentDebit });
    const written = (await fixture.store.read((repository) => repository.events.list(fixture.environment.id, {}, page))).data;
    assert.deepEqual(written.map((event) => [event.type, event.data.walletKey]).sort(), [['debit.created', null], ['grant.created', null]]);

    // As an earlier version wrote them: a debit's event under its derived ID, and a grant's; with an endpoint to
    // deliver them to, so the fan-out has them to claim (outbox-without-endpoints.test.ts).
    await addWebhookEndpoint(fixture);
    const debitId = fixture.dependencies.newId('dbt');
    const old = { walletId: 'wal_old', customerId: fixture.customer.id, unit: fixture.unit, walletKey: '' };
    const legacy = [
      { id: debitCreatedEventId(debitId), environmentId: fixture.environment.id, type: 'debit.created', data: { ...old, debitId }, createdAt: T0 },
      { id: fixture.dependencies.newId('evt'), environmentId: fixture.environment.id, type: 'grant.created', data: { ...old, grantId: 'grt_old' }, createdAt: T0 },
    ];
    await fixture.store.transaction((repository) => repository.events.insertMany(legacy));
    const ids = legacy.map((event) => event.id);
    const listed = (await fixture.store.read((repository) => repository.events.list(fixture.environment.id, {}, page))).data.filter((event) => ids.includes(event.id));
    const ofDebits = await fixture.store.read((repository) => repository.events.ofDebits(fixture.environment.id, [debitId]));
    const got = await fixture.store.read((repository) => Promise.all(ids.map((id) => repository.outbox.get(id))));
    const claimed = (await fixture.store.transaction((repository) => repository.outbox.claimUnfanned(1000))).filter((event) => ids.includes(event.id));
    for (const [read, events] of [['events.list', listed], ['events.ofDebits', ofDebits], ['outbox.get', got], ['outbox.claimUnfanned', claimed]] as const) {
      assert.ok(events.length > 0, `${read} found the old events`);
      for (const event of events) assert.equal(event?.data.walletKey, null, `${read} ${event?.type}`);
    }
    // A key other than the default one is read as written.
    const keyed = { id: fixture.dependencies.newId('evt'), environmentId: fixture.environment.id, type: 'grant.created', data: { ...old, walletKey: 'plan_a' }, createdAt: T0 };
    await fixture.store.transaction((repository) => repository.events.insertMany([keyed]));
    assert.equal((await fixture.store.read((repository) => repository.outbox.get(keyed.id)))?.data.walletKey, 'plan_a');
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createGrant } from '../../src/app/grants.ts';
import { forEachStore } from '../support/stores.ts';
import { addWebhookEndpoint, createFixture, presentGrant, T0, walletOf, type Fixture } from './fixtures.ts';

const page = { limit: 1000, startingAfter: null };

const eventIds = async (fixture: Fixture): Promise<string[]> =>
  (await fixture.store.read((repository) => repository.events.list(fixture.environment.id, {}, page))).data.map((event) => event.id).sort();

/** A grant; returns the IDs of the events it wrote. */
async function grantEvents(fixture: Fixture): Promise<string[]> {
  const before = new Set(await eventIds(fixture));
  await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1' }, present: presentGrant });
  const written = (await eventIds(fixture)).filter((id) => !before.has(id));
  assert.ok(written.length > 0);
  return written;
}

forEachStore('outbox events of an environment without webhook endpoints', (target) => {
  it('on SQLite, are written fanned out unless their environment has an endpoint; on PostgreSQL, the fan-out marks them', async () => {
    const fixture = await createFixture(await target.open());
    const other = await createFixture(fixture.store, { clock: fixture.clock });
    const onSqlite = target.dialect === 'sqlite';
    const unfanned = async () => (await fixture.store.transaction((repository) => repository.outbox.claimUnfanned(1000))).map((event) => event.id);
    const expectWritten = async (ids: string[], fannedOut: boolean) => {
      const waiting = new Set(await unfanned());
      for (const id of ids) assert.equal(waiting.has(id), !fannedOut, `${id} is written ${fannedOut ? '' : 'not '}fanned out`);
    };

    // No endpoint anywhere, then one in another environment only: nothing to deliver.
    await expectWritten(await grantEvents(fixture), onSqlite);
    await addWebhookEndpoint(fixture, other.environment.id);
    await expectWritten(await grantEvents(fixture), onSqlite);

    // An endpoint of its own: the fan-out makes its deliveries, on either store.
    const endpoint = await addWebhookEndpoint(fixture);
    const afterEndpoint = await grantEvents(fixture);
    await expectWritten(afterEndpoint, false);
    await fixture.dependencies.webhooks.fanOut();
    assert.deepEqual(await unfanned(), []);
    const deliveries = await fixture.store.read((repository) => repository.webhookDeliveries.list(fixture.environment.id, { endpointId: endpoint.id }, page));
    // On PostgreSQL the events written before the endpoint were still waiting for the fan-out, which found it.
    assert.deepEqual(deliveries.data.map((delivery) => delivery.eventId).sort(), onSqlite ? afterEndpoint : await eventIds(fixture));

    // Deleted, it counts no more.
    await fixture.store.transaction((repository) => repository.webhookEndpoints.markDeleted(fixture.environment.id, endpoint.id, T0));
    await expectWritten(await grantEvents(fixture), onSqlite);
  });
});

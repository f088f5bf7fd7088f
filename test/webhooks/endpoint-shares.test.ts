import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../src/store/port.ts';
import type { WebhookDeliveryRecord } from '../../src/store/webhook-records.ts';
import { SendSlots, sendsPerEndpoint } from '../../src/webhooks/send-slots.ts';
import { forEachStore } from '../support/stores.ts';
import { addWebhookEndpoint, createFixture, T0, type Fixture } from '../store-contract/fixtures.ts';

const NOW = T0 + 60_000;
const LEASE_UNTIL = NOW + 60_000;

/** `count` deliveries to `endpointId`, due one millisecond apart from `dueFrom` on. */
async function dueDeliveries(fixture: Fixture, endpointId: string, count: number, dueFrom: number): Promise<string[]> {
  const ids: string[] = [];
  await fixture.store.transaction(async (repository) => {
    for (let index = 0; index < count; index += 1) {
      const delivery: WebhookDeliveryRecord = {
        id: fixture.dependencies.newId('whd'),
        environmentId: fixture.environment.id,
        endpointId,
        eventId: fixture.dependencies.newId('evt'),
        eventType: 'grant.created',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: dueFrom + index,
        lastAttemptAt: null,
        lastStatusCode: null,
        lastError: null,
        createdAt: T0,
        deliveredAt: null,
      };
      await repository.webhookDeliveries.insert(delivery);
      ids.push(delivery.id);
    }
  });
  return ids;
}

/** One claim, as a node's pass makes it: at most what its slots take, each endpoint within its share. */
async function claim(store: Store, slots: SendSlots, wanted = slots.capacity): Promise<WebhookDeliveryRecord[]> {
  const taken = slots.take(wanted);
  const claimed = await store.transaction((repository) => repository.webhookDeliveries.claimDue({ now: NOW, leaseUntil: LEASE_UNTIL, limit: taken, shares: slots }));
  slots.give(taken - claimed.length);
  return claimed;
}

/** Ends sends as a pass does when their outcomes are recorded. */
function finish(slots: SendSlots, deliveries: readonly WebhookDeliveryRecord[]): void {
  for (const delivery of deliveries) {
    slots.release(delivery.endpointId);
    slots.give();
  }
}

const idsOf = (deliveries: readonly WebhookDeliveryRecord[]) => deliveries.map((delivery) => delivery.id);

/**
 * The claim keeps each endpoint within its share of a node's send slots
 * (send-slots.ts), on every store: an endpoint with more due deliveries than the
 * node has slots gets its share, oldest first, and the slots left go to other
 * endpoints' deliveries, however far behind they are due; nothing is claimed
 * twice, by one node's overlapping passes or by two nodes.
 */
forEachStore('claiming webhook deliveries within each endpoint’s share of the send slots', (target) => {
  it('claims at most a share per endpoint per node, the rest for other endpoints, never one delivery twice', async () => {
    const fixture = await createFixture(await target.open());
    const busy = await addWebhookEndpoint(fixture);
    const quiet = await addWebhookEndpoint(fixture);
    const share = sendsPerEndpoint(16);
    // 40 due deliveries to one endpoint, all due before the other endpoint's 3.
    const busyIds = await dueDeliveries(fixture, busy.id, 40, T0);
    const quietIds = await dueDeliveries(fixture, quiet.id, 3, T0 + 1000);

    const node = new SendSlots(16);
    const first = await claim(fixture.store, node);
    assert.deepEqual(idsOf(first), [...busyIds.slice(0, share), ...quietIds], 'the busy endpoint’s oldest share, then the quiet one’s');
    assert.equal(node.free, 16 - first.length);
    assert.deepEqual(node.full(), [busy.id]);

    // Another pass on this node finds the busy endpoint full and nothing else due: it claims nothing, and holds no slot.
    assert.deepEqual(await claim(fixture.store, node), []);
    assert.equal(node.free, 16 - first.length);

    // Two sends to the busy endpoint end: two overlapping passes of the node share the two freed places, no more.
    finish(node, first.slice(0, 2));
    const overlapping = await Promise.all([claim(fixture.store, node), claim(fixture.store, node)]);
    assert.deepEqual(idsOf(overlapping.flat()).sort(), busyIds.slice(share, share + 2).sort(), 'the next two, oldest first');

    // Another node (its own connection and slots) takes its own share of what no one holds.
    const otherNode = new SendSlots(16);
    const other = await claim(await target.open(), otherNode);
    assert.deepEqual(idsOf(other), busyIds.slice(share + 2, 2 * share + 2));

    // Every claimed delivery is leased, and none was claimed twice.
    const all = [...first, ...overlapping.flat(), ...other];
    assert.equal(new Set(idsOf(all)).size, all.length);
    const leased = await fixture.store.read(async (repository) =>
      Promise.all(all.map(async (delivery) => (await repository.webhookDeliveries.get(fixture.environment.id, delivery.id))!.nextAttemptAt)),
    );
    assert.ok(leased.every((at) => at === LEASE_UNTIL));

    // Without shares (a caller that keeps no slots) the claim is as before: the oldest due, whatever their endpoint.
    const plain = await fixture.store.transaction((repository) => repository.webhookDeliveries.claimDue({ now: NOW, leaseUntil: LEASE_UNTIL, limit: 5 }));
    assert.deepEqual(idsOf(plain), busyIds.slice(2 * share + 2, 2 * share + 7));
  });
});

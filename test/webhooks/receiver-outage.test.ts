import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, startServe, type ServedProcess } from '../support/serve-process.ts';
import { waitUntil, WebhookReceiver } from './webhook-receiver.ts';

/**
 * A receiver that is down, then comes back, gets every event: no gaps, no
 * duplicate IDs. Against the real `serve` command, with its background delivery
 * loop and retry backoff shortened by environment variables.
 */
describe('a webhook receiver that is down, then up, gets every event exactly once', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-outage-'));
  let served: ServedProcess;
  let call: ReturnType<typeof apiClient>;
  let receiver: WebhookReceiver | undefined;

  before(async () => {
    served = await startServe({
      database: join(directory, 'outage.db'),
      env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', BACKGROUND_INTERVAL_MS: '100', WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_RETRY_MAX_MS: '800', WEBHOOK_MAX_ATTEMPTS: '1000' },
    });
    call = apiClient(served.baseUrl, served.testKey!);
  });

  after(async () => {
    await receiver?.stop();
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  async function allEventIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await call('GET', `/v1/events?limit=100${cursor}`);
      assert.equal(page.status, 200);
      ids.push(...page.body.data.map((event: { id: string }) => event.id));
      if (!page.body.hasMore) return ids;
      cursor = `&startingAfter=${ids.at(-1)}`;
    }
  }

  /** Grants, debits, a hold and its release, a purchase paid at the hosted checkout: a few dozen events. */
  async function makeEvents(customerId: string, round: number): Promise<void> {
    for (let index = 0; index < 5; index += 1) {
      assert.equal((await call('POST', '/v1/grants', { customerId, unit: 'credits', amount: '20' })).status, 201);
      assert.equal((await call('POST', '/v1/debits', { customerId, unit: 'credits', amount: '3' })).status, 201);
    }
    const hold = await call('POST', '/v1/holds', { customerId, unit: 'credits', amount: '5' });
    assert.equal((await call('POST', `/v1/holds/${hold.body.id}/release`)).status, 200);
    const purchase = await call('POST', '/v1/purchases', { customerId, unit: 'credits', amount: '100', price: '1.00' }, { 'idempotency-key': `round-${round}` });
    const pay = await fetch(`${purchase.body.paymentSession.url}/pay`, { method: 'POST', redirect: 'manual' });
    assert.equal(pay.status, 303);
  }

  it('delivers the backlog once the receiver is back, and what follows', async () => {
    const port = await WebhookReceiver.freePort();
    const endpoint = await call('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['*'] });
    assert.equal(endpoint.status, 201);
    assert.equal((await call('POST', '/v1/units', { code: 'credits', scale: 2 })).status, 201);
    const customerId = (await call('POST', '/v1/customers', {})).body.id as string;

    await makeEvents(customerId, 1);
    // The receiver is down: attempts fail (connection refused) and are retried.
    await waitUntil(async () => {
      const deliveries = await call('GET', `/v1/webhook-endpoints/${endpoint.body.id}/deliveries?limit=100`);
      return deliveries.body.data.length > 0 && deliveries.body.data.every((delivery: { attemptCount: number }) => delivery.attemptCount >= 2);
    }, 'every delivery to have failed at least twice');
    const failing = await call('GET', `/v1/webhook-endpoints/${endpoint.body.id}/deliveries?status=pending&limit=1`);
    assert.equal(failing.body.data[0].lastStatusCode, null);
    assert.equal(failing.body.data[0].lastError, 'connection refused');

    receiver = await WebhookReceiver.start(port);
    receiver.useSecret(endpoint.body.secret);
    await makeEvents(customerId, 2);

    const expected = await allEventIds();
    assert.ok(expected.length >= 30, `${expected.length} events`);
    await waitUntil(() => new Set(receiver!.received.map((webhook) => webhook.id)).size >= expected.length, `all ${expected.length} events to arrive`, 30_000);
    // Let any stray retry land before counting duplicates.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const received = receiver.received.map((webhook) => webhook.id);
    assert.deepEqual([...received].sort(), [...expected].sort(), 'every event, no gaps, no extras');
    assert.equal(new Set(received).size, received.length, 'no duplicate webhook-id');
    assert.deepEqual(receiver.rejected, [], 'every signature verified');
    for (const webhook of receiver.received) assert.equal(webhook.payload.id, webhook.id);

    const log = await call('GET', `/v1/webhook-endpoints/${endpoint.body.id}/deliveries?limit=100`);
    assert.ok(log.body.data.every((delivery: { status: string }) => delivery.status === 'delivered'));
    const backlog = log.body.data.filter((delivery: { attemptCount: number }) => delivery.attemptCount > 1);
    assert.ok(backlog.length >= 15, 'the first round needed retries');
    const retried = backlog[0];
    assert.deepEqual(retried.attempts.at(-1).statusCode, 204);
    assert.ok(retried.attempts.slice(0, -1).every((attempt: { statusCode: number | null; error: string }) => attempt.statusCode === null && attempt.error === 'connection refused'));
  });
});

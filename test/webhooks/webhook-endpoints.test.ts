import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.ts';
import { parseAllowedHosts } from '../../src/webhooks/outbound-address.ts';
import { expectError, expectStatus, startTestApi, type ExpectedError, type Json, type RequestOptions, type TestApi } from '../support/test-api.ts';
import { waitUntil, WebhookReceiver } from './webhook-receiver.ts';

const settings: DeliverySettings = { retryBaseMs: 100, retryMaxMs: 400, maxAttempts: 3, timeoutMs: 2000, concurrency: 4 };

/**
 * Webhook endpoints in-process: registration (secret shown once), fan-out from
 * the outbox by event type, Standard Webhooks signatures verified by the
 * `standardwebhooks` library, retries with exponential backoff, the delivery
 * log, manual resend, deletion, and bad input.
 */
describe('webhook endpoints and deliveries', () => {
  let api: TestApi;
  let receiver: WebhookReceiver;

  before(async () => {
    // The receiver listens on 127.0.0.1: the WEBHOOK_ALLOWED_HOSTS opt-in lets webhooks reach it.
    api = await startTestApi({ configure: (configuration) => ({ ...configuration, webhooks: settings, webhookAllowedHosts: parseAllowedHosts('127.0.0.1') }) });
    receiver = await WebhookReceiver.start();
  });

  after(async () => {
    await receiver.stop();
    await api.close();
  });

  /**
   * Fans out and sends everything due, as the background loop does: a pass sends at most
   * an endpoint's share of the node's slots (1 of these 4), so passes run until one claims nothing.
   */
  const pump = async () => {
    await api.dependencies.webhooks.fanOut();
    while ((await api.dependencies.webhooks.deliverDue()) > 0);
  };

  async function endpoint(body: Record<string, unknown>): Promise<Json> {
    await pump(); // events of earlier tests are fanned out before this endpoint exists
    const created = expectStatus(await api.post('/v1/webhook-endpoints', { url: receiver.url, ...body }), 201);
    receiver.useSecret(created.secret);
    return created;
  }

  const del = (url: string) => api.request({ method: 'DELETE', url });
  const deliveriesOf = async (endpointId: string, query = '') =>
    expectStatus(await api.get(`/v1/webhook-endpoints/${endpointId}/deliveries?limit=100${query}`), 200).data as Json[];

  it('registers an endpoint and shows its secret only once', async () => {
    const created = await endpoint({ eventTypes: ['invoice.paid', 'balance.*'], description: 'billing' });
    assert.match(created.id, /^we_[0-9a-z]{26}$/);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.deepEqual(
      { url: created.url, eventTypes: created.eventTypes, description: created.description },
      { url: receiver.url, eventTypes: ['invoice.paid', 'balance.*'], description: 'billing' },
    );
    const fetched = expectStatus(await api.get(`/v1/webhook-endpoints/${created.id}`), 200);
    assert.equal(fetched.secret, undefined);
    const { secret: _secret, ...publicView } = created;
    assert.deepEqual(fetched, publicView);
    const list = expectStatus(await api.get('/v1/webhook-endpoints'), 200);
    assert.ok(list.data.some((entry: Json) => entry.id === created.id));
    assert.ok(list.data.every((entry: Json) => entry.secret === undefined));
    expectStatus(await del(`/v1/webhook-endpoints/${created.id}`), 200);
  });

  it('a create with an idempotency key replays the same endpoint (and secret); another request with the key is a 409', async () => {
    const body = { url: 'https://example.com/once', eventTypes: ['*'] };
    const first = expectStatus(await api.post('/v1/webhook-endpoints', body, { idempotencyKey: 'hook-once' }), 201);
    const replay = await api.expectNoWrites(() => api.post('/v1/webhook-endpoints', body, { idempotencyKey: 'hook-once' }));
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, first);
    expectError(await api.expectNoWrites(() => api.post('/v1/webhook-endpoints', { ...body, eventTypes: ['grant.*'] }, { idempotencyKey: 'hook-once' })), {
      status: 409,
      code: 'idempotency_conflict',
    });
    expectStatus(await del(`/v1/webhook-endpoints/${first.id}`), 200);
  });

  it('delivers the subscribed events from the outbox, signed per Standard Webhooks, with the event ID as webhook-id', async () => {
    const hook = await endpoint({ eventTypes: ['grant.*', 'invoice.paid'] });
    const start = receiver.received.length;
    const wallet = await api.wallet();
    const grant = await api.grant({ ...wallet, amount: '10' });
    await api.debit({ ...wallet, amount: '1' });
    const purchase = expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '50', price: '2.50' }), 201);
    const checkout = new URL(purchase.paymentSession.url).pathname;
    await api.request({ method: 'POST', url: `${checkout}/pay`, key: null, payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await pump();

    const got = receiver.received.slice(start);
    assert.deepEqual(receiver.rejected, [], 'every delivery verified');
    assert.deepEqual(
      got.map((webhook) => webhook.payload.type),
      ['grant.created', 'grant.created', 'grant.updated', 'invoice.paid'],
      'subscribed types only, oldest first (no debit.created, no purchase.*)',
    );
    const events = expectStatus(await api.get('/v1/events?limit=100'), 200).data as Json[];
    for (const webhook of got) {
      const event = events.find((candidate) => candidate.id === webhook.id);
      assert.ok(event, `webhook-id ${webhook.id} is an event ID`);
      assert.deepEqual(webhook.payload, { id: event.id, type: event.type, timestamp: event.createdAt, data: event.data });
      assert.ok(Math.abs(webhook.timestamp - Date.now() / 1000) < 60, 'webhook-timestamp is the real time of the attempt');
    }
    assert.equal(got[0]!.payload.data.grantId, grant.id);
    assert.equal(got[3]!.payload.data.invoiceId, purchase.invoiceId);
    const log = await deliveriesOf(hook.id);
    assert.equal(log.length, 4);
    assert.ok(log.every((delivery) => delivery.status === 'delivered' && delivery.attemptCount === 1 && delivery.attempts[0].statusCode === 204));
  });

  it('retries a failing receiver with exponential backoff, logs every attempt, and gives up after maxAttempts', async () => {
    const hook = await endpoint({ eventTypes: ['grant.created'] });
    receiver.failWith = 503;
    try {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '5' });
      await api.dependencies.webhooks.fanOut();
      const attempted: Json[] = [];
      await waitUntil(async () => {
        await api.dependencies.webhooks.deliverDue();
        const [delivery] = await deliveriesOf(hook.id);
        attempted.push(delivery);
        return delivery.status === 'failed';
      }, 'the delivery to fail for good', 10_000);
      const [delivery] = await deliveriesOf(hook.id);
      assert.equal(delivery.attemptCount, 3);
      assert.deepEqual(delivery.attempts.map((attempt: Json) => [attempt.attempt, attempt.trigger, attempt.statusCode, attempt.error]), [
        [1, 'automatic', 503, 'HTTP 503'],
        [2, 'automatic', 503, 'HTTP 503'],
        [3, 'automatic', 503, 'HTTP 503'],
      ]);
      assert.equal(delivery.attempts[0].responseBody, 'failing on purpose');
      assert.equal(delivery.nextAttemptAt, null);
      // Gaps between attempts grow: ~100 ms, then ~200 ms (up to 10% jitter off).
      const starts = delivery.attempts.map((attempt: Json) => Date.parse(attempt.startedAt));
      assert.ok(starts[1] - starts[0] >= 90, `first gap ${starts[1] - starts[0]} ms`);
      assert.ok(starts[2] - starts[1] >= 180, `second gap ${starts[2] - starts[1]} ms`);
      const pendingView = attempted.find((view) => view.status === 'pending' && view.attemptCount === 1);
      assert.ok(pendingView && pendingView.nextAttemptAt !== null, 'while retrying, the next attempt time is shown');

      // The receiver is fixed; a manual resend delivers it with the same webhook-id.
      receiver.failWith = null;
      const before = receiver.received.length;
      const resent = expectStatus(await api.post(`/v1/webhook-endpoints/${hook.id}/deliveries/${delivery.id}/resend`), 200);
      assert.equal(resent.status, 'delivered');
      assert.deepEqual(resent.attempts.at(-1), { ...resent.attempts.at(-1), attempt: 4, trigger: 'manual', statusCode: 204, error: null });
      assert.deepEqual(receiver.received.slice(before).map((webhook) => webhook.id), [delivery.eventId]);
      assert.deepEqual((await deliveriesOf(hook.id, '&status=delivered')).map((entry) => entry.id), [delivery.id]);
    } finally {
      receiver.failWith = null;
    }
  });

  it('a receiver with the wrong secret rejects the signature, and that is a failed attempt', async () => {
    const hook = await endpoint({ eventTypes: ['grant.created'] });
    receiver.useSecret('whsec_' + Buffer.alloc(24, 7).toString('base64'));
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '5' });
    await pump();
    const [delivery] = await deliveriesOf(hook.id);
    assert.deepEqual([delivery.status, delivery.lastStatusCode], ['pending', 400]);
    assert.match(receiver.rejected.at(-1)!.reason, /signature/i);
    receiver.rejected.length = 0;
  });

  it('a deleted endpoint receives nothing more; its pending deliveries are canceled', async () => {
    const hook = await endpoint({ eventTypes: ['*'] });
    receiver.failWith = 500;
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '5' });
    await pump();
    receiver.failWith = null;
    const deleted = expectStatus(await del(`/v1/webhook-endpoints/${hook.id}`), 200);
    assert.deepEqual(deleted, { object: 'webhook_endpoint', id: hook.id, deleted: true });
    const before = receiver.received.length;
    await api.grant({ ...wallet, amount: '5' });
    await pump();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await pump();
    assert.equal(receiver.received.length, before);
    expectError(await api.get(`/v1/webhook-endpoints/${hook.id}`), { status: 404, code: 'not_found', param: 'id' });
    expectError(await del(`/v1/webhook-endpoints/${hook.id}`), { status: 404, code: 'not_found' });
    const rows = api.rows('SELECT status FROM webhook_deliveries WHERE endpoint_id = ?', hook.id);
    assert.deepEqual(rows.map((row) => row.status), ['canceled']);
  });

  it("another environment's endpoints get none of this environment's events", async () => {
    await pump();
    const live = expectStatus(await api.post('/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['*'] }, { key: api.liveKey }), 201);
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '5' });
    await pump();
    assert.deepEqual(api.rows('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?', live.id), [{ n: 0 }]);
    expectError(await api.get(`/v1/webhook-endpoints/${live.id}`), { status: 404, code: 'not_found' });
  });

  describe('bad input is rejected with the documented error and writes nothing', () => {
    async function rejects(request: RequestOptions, expected: ExpectedError): Promise<void> {
      expectError(await api.expectNoWrites(() => api.request(request)), expected);
    }
    const create = (body: Record<string, unknown>): RequestOptions => ({ method: 'POST', url: '/v1/webhook-endpoints', body: { url: 'https://example.com/hook', eventTypes: ['*'], ...body } });

    it('POST /v1/webhook-endpoints', async () => {
      await rejects({ method: 'POST', url: '/v1/webhook-endpoints', body: { eventTypes: ['*'] } }, { status: 400, code: 'validation_error', param: 'url' });
      await rejects(create({ url: 'not a url' }), { status: 400, code: 'validation_error', param: 'url' });
      await rejects(create({ url: 'ftp://example.com/hook' }), { status: 400, code: 'validation_error', param: 'url' });
      await rejects(create({ eventTypes: [] }), { status: 400, code: 'validation_error', param: 'eventTypes' });
      await rejects(create({ eventTypes: 'invoice.paid' }), { status: 400, code: 'validation_error', param: 'eventTypes' });
      await rejects(create({ eventTypes: ['invoice.paid', 'Invoice Paid!'] }), { status: 400, code: 'validation_error', param: 'eventTypes.1' });
      await rejects(create({ secret: 'whsec_mine' }), { status: 400, code: 'validation_error', param: 'secret' });
      await rejects({ ...create({}), key: null }, { status: 401, code: 'unauthenticated' });
    });

    it('POST /v1/webhook-endpoints: a URL with credentials or port 0 is refused, names url, does not echo the password, and creates nothing', async () => {
      const listed = async () => (expectStatus(await api.get('/v1/webhook-endpoints?limit=100'), 200).data as Json[]).map((endpoint) => endpoint.id);
      const listedBefore = await listed();
      for (const url of ['https://user:s3cret-pass@example.com/hook', 'https://user@example.com/hook', 'https://:s3cret-pass@example.com/hook', 'http://user:s3cret-pass@127.0.0.1/hook']) {
        const error = expectError(await api.expectNoWrites(() => api.request(create({ url }))), { status: 400, code: 'validation_error', param: 'url', message: 'user name or password' });
        assert.ok(!JSON.stringify(error).includes('s3cret-pass'), url);
      }
      for (const url of ['https://example.com:0/hook', 'http://example.com:000/hook', 'http://127.0.0.1:0/hook']) {
        await rejects(create({ url }), { status: 400, code: 'validation_error', param: 'url', message: 'port 0' });
      }
      assert.deepEqual(await listed(), listedBefore);
      // An empty user-info part carries nothing, and a default port is still fine.
      for (const url of ['https://@example.com/hook', 'https://example.com:443/hook', 'https://example.com:8443/hook']) {
        const hook = expectStatus(await api.post('/v1/webhook-endpoints', { url, eventTypes: ['*'] }), 201);
        expectStatus(await del(`/v1/webhook-endpoints/${hook.id}`), 200);
      }
    });

    it('unknown endpoints and deliveries', async () => {
      await rejects({ method: 'GET', url: '/v1/webhook-endpoints/we_nope' }, { status: 404, code: 'not_found', param: 'id' });
      await rejects({ method: 'DELETE', url: '/v1/webhook-endpoints/we_nope' }, { status: 404, code: 'not_found', param: 'id' });
      await rejects({ method: 'GET', url: '/v1/webhook-endpoints/we_nope/deliveries' }, { status: 404, code: 'not_found', param: 'id' });
      const hook = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/hook', eventTypes: ['*'] }), 201);
      await rejects({ method: 'POST', url: `/v1/webhook-endpoints/${hook.id}/deliveries/whd_nope/resend` }, { status: 404, code: 'not_found', param: 'deliveryId' });
      await rejects({ method: 'GET', url: `/v1/webhook-endpoints/${hook.id}/deliveries?status=lost` }, { status: 400, code: 'validation_error', param: 'status' });
      expectStatus(await del(`/v1/webhook-endpoints/${hook.id}`), 200);
    });
  });
});

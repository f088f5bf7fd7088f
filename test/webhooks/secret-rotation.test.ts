import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { defaultConfiguration } from '../../src/cli/configuration.ts';
import { parseAllowedHosts } from '../../src/webhooks/outbound-address.ts';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.ts';
import { expectError, expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

const settings: DeliverySettings = { retryBaseMs: 60_000, retryMaxMs: 60_000, maxAttempts: 5, timeoutMs: 2000, concurrency: 4 };

/** A receiver that keeps every request as it came (headers and raw body), answering 204. */
async function capturingReceiver() {
  const requests: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether `standardwebhooks`, given this secret, accepts the request. */
function verifies(secret: string, request: { headers: IncomingHttpHeaders; body: string }): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

function startApi(options: { encryptionKey?: Buffer } = {}): Promise<TestApi> {
  return startTestApi({
    configure: (configuration) => ({
      ...configuration,
      webhooks: settings,
      webhookAllowedHosts: parseAllowedHosts('127.0.0.1'),
      encryptionKey: options.encryptionKey ?? null,
    }),
  });
}

describe('webhook secret rotation', () => {
  let api: TestApi;
  let receiver: Awaited<ReturnType<typeof capturingReceiver>>;

  before(async () => {
    api = await startApi();
    receiver = await capturingReceiver();
  });

  after(async () => {
    await receiver.close();
    await api.close();
  });

  /** One event, delivered to every endpoint subscribed: returns what the receiver got for it. */
  async function deliverOne(): Promise<{ headers: IncomingHttpHeaders; body: string }> {
    const before = receiver.requests.length;
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '1' });
    await api.dependencies.webhooks.fanOut();
    await api.dependencies.webhooks.deliverDue();
    assert.equal(receiver.requests.length, before + 1, 'one delivery');
    return receiver.requests.at(-1)!;
  }

  async function newEndpoint(): Promise<Json> {
    await api.dependencies.webhooks.fanOut(); // earlier events go to earlier endpoints only
    return expectStatus(await api.post('/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['grant.created'] }), 201);
  }

  const rotate = (id: string, body: Record<string, unknown> = {}, options = {}) => api.post(`/v1/webhook-endpoints/${id}/rotate-secret`, body, options);
  const remove = (id: string) => api.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${id}` });

  it('issues a new secret; both sign during the grace period (two signatures); then only the new one', async () => {
    const endpoint = await newEndpoint();
    const old = endpoint.secret;
    assert.equal(endpoint.previousSecretExpiresAt, null);
    const rotatedAt = Date.now();
    const rotated = expectStatus(await rotate(endpoint.id, { gracePeriodSeconds: 2 }), 200);
    assert.match(rotated.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.notEqual(rotated.secret, old);
    const expiresAt = Date.parse(rotated.previousSecretExpiresAt);
    assert.ok(Math.abs(expiresAt - (rotatedAt + 2000)) < 1000, rotated.previousSecretExpiresAt);
    const fetched = expectStatus(await api.get(`/v1/webhook-endpoints/${endpoint.id}`), 200);
    assert.equal(fetched.secret, undefined, 'the secret is shown only when issued');
    assert.equal(fetched.previousSecretExpiresAt, rotated.previousSecretExpiresAt);

    const during = await deliverOne();
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
    assert.ok(verifies(old, during), 'a receiver still on the old secret accepts it');
    assert.ok(verifies(rotated.secret, during), 'a receiver on the new secret accepts it');

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 50)));
    const afterwards = await deliverOne();
    assert.equal(String(afterwards.headers['webhook-signature']).split(' ').length, 1);
    assert.ok(!verifies(old, afterwards), 'the old secret stopped');
    assert.ok(verifies(rotated.secret, afterwards));
    expectStatus(await remove(endpoint.id), 200);
  });

  it('gracePeriodSeconds 0 stops the old secret at once', async () => {
    const endpoint = await newEndpoint();
    const rotated = expectStatus(await rotate(endpoint.id, { gracePeriodSeconds: 0 }), 200);
    assert.equal(rotated.previousSecretExpiresAt, null);
    const delivered = await deliverOne();
    assert.ok(!verifies(endpoint.secret, delivered));
    assert.ok(verifies(rotated.secret, delivered));
    expectStatus(await remove(endpoint.id), 200);
  });

  it('the default grace period is one day', async () => {
    const endpoint = await newEndpoint();
    const rotated = expectStatus(await rotate(endpoint.id), 200);
    assert.ok(Math.abs(Date.parse(rotated.previousSecretExpiresAt) - (Date.now() + 86_400_000)) < 60_000);
    expectStatus(await remove(endpoint.id), 200);
  });

  it('a secret is never kept in a stored idempotent reply; a replay reads it from the endpoint and does not rotate again', async () => {
    const created = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/h', eventTypes: ['*'] }, { idempotencyKey: 'make-hook' }), 201);
    const rotated = expectStatus(await rotate(created.id, { gracePeriodSeconds: 60 }, { idempotencyKey: 'rotate-hook' }), 200);
    const stored = api.rows("SELECT body FROM idempotency_keys WHERE idempotency_key IN ('make-hook', 'rotate-hook')");
    assert.equal(stored.length, 2);
    for (const row of stored) {
      assert.ok(!String(row.body).includes('whsec_'), `stored reply holds no secret: ${row.body}`);
      assert.ok(!String(row.body).includes(created.secret.slice(6)) && !String(row.body).includes(rotated.secret.slice(6)));
    }
    const replayed = await api.expectNoWrites(() => rotate(created.id, { gracePeriodSeconds: 60 }, { idempotencyKey: 'rotate-hook' }));
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replayed.body, rotated, 'the same answer, the secret read from the endpoint: no second rotation');
    const createReplay = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/h', eventTypes: ['*'] }, { idempotencyKey: 'make-hook' }), 201);
    assert.equal(createReplay.secret, rotated.secret, 'a replayed create shows the current secret');
    // Another endpoint with the same key is another request: a conflict, not a replay of the first endpoint's rotation.
    const other = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/other', eventTypes: ['*'] }), 201);
    expectError(await api.expectNoWrites(() => rotate(other.id, { gracePeriodSeconds: 60 }, { idempotencyKey: 'rotate-hook' })), { status: 409, code: 'idempotency_conflict' });
  });

  it('bad input is refused with the documented error and changes nothing', async () => {
    const endpoint = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/bad', eventTypes: ['*'] }), 201);
    for (const gracePeriodSeconds of [-1, 7 * 86_400 + 1, 1.5, '60', null]) {
      expectError(await api.expectNoWrites(() => rotate(endpoint.id, { gracePeriodSeconds })), { status: 400, code: 'validation_error', param: 'gracePeriodSeconds' });
    }
    expectError(await api.expectNoWrites(() => rotate(endpoint.id, { secret: 'whsec_mine' })), { status: 400, code: 'validation_error', param: 'secret' });
    expectError(await api.expectNoWrites(() => rotate('we_nope')), { status: 404, code: 'not_found', param: 'id' });
    expectError(await api.expectNoWrites(() => rotate(endpoint.id, {}, { key: api.liveKey })), { status: 404, code: 'not_found' });
    expectError(await api.expectNoWrites(() => rotate(endpoint.id, {}, { key: null })), { status: 401, code: 'unauthenticated' });
  });
});

describe('secrets encrypted at rest with ENCRYPTION_KEY', () => {
  let api: TestApi;
  let receiver: Awaited<ReturnType<typeof capturingReceiver>>;

  before(async () => {
    api = await startApi({ encryptionKey: randomBytes(32) });
    receiver = await capturingReceiver();
  });

  after(async () => {
    await receiver.close();
    await api.close();
  });

  it('webhook secrets (current and previous) are stored sealed with AES-256-GCM, and deliveries are signed with the real ones', async () => {
    const endpoint = expectStatus(await api.post('/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['grant.created'] }), 201);
    const rotated = expectStatus(await api.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { gracePeriodSeconds: 600 }), 200);
    const [row] = api.rows('SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?', endpoint.id);
    for (const [stored, plain] of [
      [row.secret, rotated.secret],
      [row.previous_secret, endpoint.secret],
    ]) {
      assert.match(stored, /^enc:v1:/);
      assert.ok(!stored.includes(plain.slice(6)), 'no plaintext in the database');
    }
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '1' });
    await api.dependencies.webhooks.fanOut();
    await api.dependencies.webhooks.deliverDue();
    const [delivered] = receiver.requests;
    assert.ok(delivered && verifies(rotated.secret, delivered) && verifies(endpoint.secret, delivered));

    // The same database without the key cannot sign: the attempt fails with a plain reason, and sends nothing.
    const keyless = composeDependencies(api.store, {
      configuration: { ...defaultConfiguration(), webhooks: settings, webhookAllowedHosts: parseAllowedHosts('127.0.0.1') },
    });
    await api.grant({ ...wallet, amount: '1' });
    await keyless.webhooks.fanOut();
    await keyless.webhooks.deliverDue();
    assert.equal(receiver.requests.length, 1);
    const deliveries = expectStatus(await api.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).data as Json[];
    assert.equal(deliveries[0].attempts[0].error, 'signing secret does not open (ENCRYPTION_KEY)');
  });

  it("a payment provider's references are stored sealed and read back as given", async () => {
    const customer = await api.createCustomer();
    const method = expectStatus(await api.post('/v1/payment-methods', { customerId: customer.id, testCard: 'declines' }), 201);
    assert.equal(method.testCard, 'declines');
    const [row] = api.rows('SELECT reference FROM payment_methods WHERE id = ?', method.id);
    assert.match(row.reference, /^enc:v1:/);
    assert.equal(expectStatus(await api.get(`/v1/payment-methods/${method.id}`), 200).testCard, 'declines');
    assert.deepEqual(
      (expectStatus(await api.get(`/v1/payment-methods?customerId=${customer.id}`), 200).data as Json[]).map((listed) => listed.testCard),
      ['declines'],
    );
  });
});

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { grantParams, startStripeServe, stripeError, type StripeServe } from './stripe-serve.ts';

/**
 * A proxy in front of the Stripe dialect that lets the first POST through to the
 * server, waits for its response, then cuts the client's connection: the write
 * happened, but the client never heard. The official client then retries with
 * the same Idempotency-Key, as it does after any connection error.
 */
async function startDroppingProxy(target: number): Promise<{ port: number; posts: string[]; close: () => Promise<void> }> {
  const posts: string[] = [];
  let dropped = false;
  const proxy: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (incoming.method === 'POST') posts.push(String(incoming.headers['idempotency-key']));
      const upstream = httpRequest({ host: '127.0.0.1', port: target, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
        const body: Buffer[] = [];
        response.on('data', (chunk: Buffer) => body.push(chunk));
        response.on('end', () => {
          if (incoming.method === 'POST' && !dropped) {
            dropped = true;
            incoming.socket.destroy();
            return;
          }
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          outgoing.end(Buffer.concat(body));
        });
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    posts,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

describe('stripe dialect: idempotency', () => {
  let server: StripeServe;
  let customer: string;

  const grantCount = async (stripeCustomer: string) =>
    (await server.native('GET', `/v1/grants?customerId=${stripeCustomer}&includeVoided=true&limit=100`)).body.data.length as number;

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Retry Ltd' })).id;
  });

  after(async () => {
    await server?.stop();
  });

  it('replays the first response for the same key and parameters, and says so', async () => {
    const params = grantParams(customer, 1500);
    const first = await server.stripe.billing.creditGrants.create(params, { idempotencyKey: 'grant-once' });
    const second = await server.stripe.billing.creditGrants.create(params, { idempotencyKey: 'grant-once' });
    assert.equal(second.id, first.id);
    assert.deepEqual({ ...second }, { ...first });
    assert.equal(first.lastResponse.headers['idempotent-replayed'], undefined);
    assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal(second.lastResponse.idempotencyKey, 'grant-once');
    assert.equal(await grantCount(customer), 1);
  });

  it('answers idempotency_error (400, not retried) for the same key with other parameters, writing nothing', async () => {
    const before = await grantCount(customer);
    const error = await stripeError(server.stripe.billing.creditGrants.create(grantParams(customer, 1501), { idempotencyKey: 'grant-once' }));
    assert.ok(error instanceof Stripe.errors.StripeIdempotencyError);
    assert.equal(error.statusCode, 400);
    assert.equal(error.rawType, 'idempotency_error');
    assert.match(error.message, /same parameters/);
    assert.equal(await grantCount(customer), before);
  });

  it('survives a lost response: the client retries with its own key and gets the first grant back', async () => {
    const proxy = await startDroppingProxy(server.stripePort);
    try {
      const client = server.client(server.key, { port: proxy.port, maxNetworkRetries: 2 });
      const other = (await server.stripe.customers.create({ name: 'Flaky network' })).id;
      const grant = await client.billing.creditGrants.create(grantParams(other, 4200));
      assert.equal(proxy.posts.length, 2, 'the first attempt was cut off, the retry got through');
      assert.match(proxy.posts[0]!, /^stripe-node-retry-/);
      assert.equal(proxy.posts[1], proxy.posts[0], 'the retry carries the same key');
      assert.equal(grant.lastResponse.headers['idempotent-replayed'], 'true');
      assert.equal(await grantCount(other), 1, 'one grant, though the server executed the request once and answered twice');
      assert.deepEqual({ ...(await server.stripe.billing.creditGrants.retrieve(grant.id)) }, { ...grant });
    } finally {
      await proxy.close();
    }
  });

  it('replays updates, voids and customer creation', async () => {
    const grant = await server.stripe.billing.creditGrants.create(grantParams(customer, 100));
    const updated = await server.stripe.billing.creditGrants.update(grant.id, { metadata: { round: '1' } }, { idempotencyKey: 'update-1' });
    // A later change, then a replay of the first update: the replay is the first response, not a second write.
    await server.stripe.billing.creditGrants.update(grant.id, { metadata: { round: '2' } });
    const replayed = await server.stripe.billing.creditGrants.update(grant.id, { metadata: { round: '1' } }, { idempotencyKey: 'update-1' });
    assert.equal(replayed.lastResponse.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replayed.metadata, updated.metadata);
    assert.deepEqual((await server.stripe.billing.creditGrants.retrieve(grant.id)).metadata, { round: '2' });

    const voided = await server.stripe.billing.creditGrants.voidGrant(grant.id, {}, { idempotencyKey: 'void-1' });
    const voidReplay = await server.stripe.billing.creditGrants.voidGrant(grant.id, {}, { idempotencyKey: 'void-1' });
    assert.equal(voidReplay.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal(voidReplay.voided_at, voided.voided_at);

    const customerOnce = await server.stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'customer-1' });
    const customerTwice = await server.stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'customer-1' });
    assert.equal(customerTwice.id, customerOnce.id);
    const conflict = await stripeError(server.stripe.customers.create({ name: 'Twice' }, { idempotencyKey: 'customer-1' }));
    assert.equal(conflict.rawType, 'idempotency_error');
  });
});

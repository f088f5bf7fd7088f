import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { grantParams, startStripeServe, stripeError, type StripeServe } from './stripe-serve.ts';

const DAY_SECONDS = 24 * 3600;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Credit grants through the official `stripe` client: create, retrieve, list, update, expire, void. */
describe('stripe dialect: credit grants', () => {
  let server: StripeServe;
  let customer: string;

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Acme', email: 'billing@acme.test', metadata: { plan: 'pro' } })).id;
  });

  after(async () => {
    await server?.stop();
  });

  it('creates and retrieves a customer', async () => {
    assert.match(customer, /^cus_[a-z0-9]+$/);
    const retrieved = await server.stripe.customers.retrieve(customer);
    assert.ok(!('deleted' in retrieved && retrieved.deleted));
    assert.equal(retrieved.object, 'customer');
    assert.equal(retrieved.id, customer);
    assert.equal((retrieved as { name: string }).name, 'Acme');
    assert.equal((retrieved as { email: string }).email, 'billing@acme.test');
    assert.deepEqual((retrieved as { metadata: object }).metadata, { plan: 'pro' });
    assert.equal((retrieved as { livemode: boolean }).livemode, false);
  });

  it('creates a grant with every parameter and retrieves it', async () => {
    const effectiveAt = nowSeconds() - 60;
    const expiresAt = nowSeconds() + 30 * DAY_SECONDS;
    const created = await server.stripe.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { currency: 'usd', value: 1234 } },
      applicability_config: { scope: { price_type: 'metered' } },
      category: 'promotional',
      effective_at: effectiveAt,
      expires_at: expiresAt,
      name: 'Welcome credit',
      priority: 10,
      metadata: { source: 'signup', empty: '' },
    });
    assert.match(created.id, /^credgr_[a-z0-9]+$/);
    assert.equal(created.object, 'billing.credit_grant');
    assert.deepEqual(created.amount, { monetary: { currency: 'usd', value: 1234 }, type: 'monetary' });
    assert.deepEqual(created.applicability_config, { scope: { price_type: 'metered' } });
    assert.equal(created.category, 'promotional');
    assert.equal(created.customer, customer);
    assert.equal(created.effective_at, effectiveAt);
    assert.equal(created.expires_at, expiresAt);
    assert.equal(created.name, 'Welcome credit');
    assert.equal(created.priority, 10);
    assert.deepEqual(created.metadata, { source: 'signup' }, 'an empty metadata value sets nothing on create');
    assert.equal(created.livemode, false);
    assert.equal(created.voided_at, null);
    assert.ok(Math.abs(created.created - nowSeconds()) < 60);

    const retrieved = await server.stripe.billing.creditGrants.retrieve(created.id);
    assert.deepEqual({ ...retrieved }, { ...created });
  });

  it('defaults priority to 50, and reads zero- and three-decimal currencies', async () => {
    const usd = await server.stripe.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { currency: 'usd', value: 500 } },
      applicability_config: { scope: { price_type: 'metered' } },
      category: 'paid',
    });
    assert.equal(usd.category, 'paid');
    assert.equal(usd.priority, 50);
    assert.equal(usd.expires_at, null);
    const jpy = await server.stripe.billing.creditGrants.create(grantParams(customer, 5000, 'jpy'));
    assert.deepEqual(jpy.amount.monetary, { currency: 'jpy', value: 5000 });
    const kwd = await server.stripe.billing.creditGrants.create(grantParams(customer, 1500, 'KWD'));
    assert.deepEqual(kwd.amount.monetary, { currency: 'kwd', value: 1500 }, 'currency codes are read case-insensitively');
    // The units behind them have the currencies' minor-unit scales: ¥5000 is 5000, KWD 1.500 is 1.5.
    const units = await server.native('GET', '/v1/units');
    const scales = Object.fromEntries(units.body.data.map((unit: { code: string; scale: number }) => [unit.code, unit.scale]));
    assert.deepEqual({ usd: scales.usd, jpy: scales.jpy, kwd: scales.kwd }, { usd: 2, jpy: 0, kwd: 3 });
    const nativeKwd = await server.native('GET', `/v1/grants/${kwd.id.replace('credgr_', 'grt_')}`);
    assert.equal(nativeKwd.body.amount, '1.5');
  });

  it('maps a list of prices to the grant applicability and back', async () => {
    const created = await server.stripe.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { currency: 'usd', value: 100 } },
      applicability_config: { scope: { prices: [{ id: 'price_a' }, { id: 'price_b' }] } },
      category: 'promotional',
    });
    assert.deepEqual(created.applicability_config, { scope: { prices: [{ id: 'price_a' }, { id: 'price_b' }] } });
    const native = await server.native('GET', `/v1/grants/${created.id.replace('credgr_', 'grt_')}`);
    assert.deepEqual(native.body.appliesTo, ['price_a', 'price_b']);
  });

  it('lists a customer’s grants newest first, page by page and with auto-pagination', async () => {
    const other = (await server.stripe.customers.create({ name: 'Paging' })).id;
    const ids: string[] = [];
    for (let index = 1; index <= 7; index += 1) ids.push((await server.stripe.billing.creditGrants.create(grantParams(other, index * 100))).id);
    const newestFirst = [...ids].reverse();

    const first = await server.stripe.billing.creditGrants.list({ customer: other, limit: 3 });
    assert.equal(first.object, 'list');
    assert.equal(first.url, '/v1/billing/credit_grants');
    assert.equal(first.has_more, true);
    assert.deepEqual(first.data.map((grant) => grant.id), newestFirst.slice(0, 3));
    const second = await server.stripe.billing.creditGrants.list({ customer: other, limit: 3, starting_after: first.data[2]!.id });
    assert.deepEqual(second.data.map((grant) => grant.id), newestFirst.slice(3, 6));
    assert.equal(second.has_more, true);
    const last = await server.stripe.billing.creditGrants.list({ customer: other, limit: 3, starting_after: second.data[2]!.id });
    assert.deepEqual(last.data.map((grant) => grant.id), newestFirst.slice(6));
    assert.equal(last.has_more, false);

    const all: string[] = [];
    for await (const grant of server.stripe.billing.creditGrants.list({ customer: other, limit: 2 })) all.push(grant.id);
    assert.deepEqual(all, newestFirst);
    const viaHelper = await server.stripe.billing.creditGrants.list({ customer: other, limit: 2 }).autoPagingToArray({ limit: 100 });
    assert.deepEqual(viaHelper.map((grant) => grant.id), newestFirst);
    assert.ok(viaHelper.every((grant) => grant.customer === other));
  });

  it('updates expires_at and metadata (merging, unsetting a key, then every key)', async () => {
    const grant = await server.stripe.billing.creditGrants.create(grantParams(customer, 300, 'usd', { metadata: { a: '1', b: '2' } }));
    const expiresAt = nowSeconds() + 10 * DAY_SECONDS;
    const updated = await server.stripe.billing.creditGrants.update(grant.id, { expires_at: expiresAt, metadata: { b: '', c: '3' } });
    assert.equal(updated.expires_at, expiresAt);
    assert.deepEqual(updated.metadata, { a: '1', c: '3' });
    assert.deepEqual((await server.stripe.billing.creditGrants.retrieve(grant.id)).metadata, { a: '1', c: '3' });
    // Stripe's Emptyable: "" unsets expires_at (never expires) and the whole metadata (the client's types omit the latter).
    const cleared = await server.stripe.billing.creditGrants.update(grant.id, { expires_at: '', metadata: '' as unknown as Record<string, string> });
    assert.equal(cleared.expires_at, null);
    assert.deepEqual(cleared.metadata, {});
  });

  it('expires a grant now', async () => {
    const grant = await server.stripe.billing.creditGrants.create(grantParams(customer, 700));
    const expired = await server.stripe.billing.creditGrants.expire(grant.id);
    assert.ok(expired.expires_at !== null && Math.abs(expired.expires_at - nowSeconds()) < 60);
    assert.equal(expired.voided_at, null);
    const native = await server.native('GET', `/v1/grants/${grant.id.replace('credgr_', 'grt_')}`);
    assert.equal(native.body.status, 'expired');
    assert.equal(native.body.expired, '7');
  });

  it('voids a grant, and voiding again returns the same voided grant', async () => {
    const grant = await server.stripe.billing.creditGrants.create(grantParams(customer, 900));
    const voided = await server.stripe.billing.creditGrants.voidGrant(grant.id);
    assert.ok(voided.voided_at !== null && Math.abs(voided.voided_at - nowSeconds()) < 60);
    const again = await server.stripe.billing.creditGrants.voidGrant(grant.id);
    assert.equal(again.voided_at, voided.voided_at);
    const native = await server.native('GET', `/v1/grants/${grant.id.replace('credgr_', 'grt_')}`);
    assert.equal(native.body.status, 'voided');
    assert.equal(native.body.voided, '9');
    // A voided grant can no longer be expired: Stripe's 400, never a retried 409.
    const error = await stripeError(server.stripe.billing.creditGrants.expire(grant.id));
    assert.equal(error.statusCode, 400);
    assert.equal(error.type, 'StripeInvalidRequestError');
  });

  it('answers 404 resource_missing for a grant or customer that does not exist', async () => {
    // Each request starts only when awaited: started together, a later rejection would go unhandled meanwhile.
    for (const request of [
      () => server.stripe.billing.creditGrants.retrieve('credgr_01aaaaaaaaaaaaaaaaaaaaaaaa'),
      () => server.stripe.billing.creditGrants.retrieve('grt_not_a_stripe_id'),
      () => server.stripe.billing.creditGrants.voidGrant('credgr_01aaaaaaaaaaaaaaaaaaaaaaaa'),
      () => server.stripe.customers.retrieve('cus_doesnotexist'),
    ]) {
      const error = await stripeError(request());
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'resource_missing');
      assert.match(error.message, /^No such (credit grant|customer): '/);
    }
  });
});

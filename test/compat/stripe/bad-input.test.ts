import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { grantParams, rawStripe, startStripeServe, stripeError, type StripeServe } from './stripe-serve.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Bad input gets Stripe's error shape and status, and writes nothing: the
 * counts of grants, units, customers, wallets and ledger entries are the same before and after.
 */
describe('stripe dialect: bad input and auth', () => {
  let server: StripeServe;
  let customer: string;
  let grant: Stripe.Billing.CreditGrant;

  /** Everything a failed request could have written. */
  const footprint = async () => {
    const count = async (path: string) => {
      const response = await server.native('GET', path);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.data.length as number;
    };
    return {
      grants: await count('/v1/grants?includeVoided=true&limit=100'),
      units: await count('/v1/units'),
      customers: await count('/v1/customers?limit=100'),
      wallets: await count('/v1/wallets?limit=100'),
      entries: await count('/v1/ledger-entries?limit=100'),
    };
  };

  /** Runs a failing request and checks Stripe's error fields and that nothing was written. */
  const rejects = async (
    request: () => Promise<unknown>,
    expected: { status: number; type?: string; code?: string; param?: string; message?: RegExp },
  ) => {
    const before = await footprint();
    const error = await stripeError(request());
    assert.equal(error.statusCode, expected.status, error.message);
    assert.equal(error.rawType, expected.type ?? 'invalid_request_error', error.message);
    if (expected.code !== undefined) assert.equal(error.code, expected.code, error.message);
    if (expected.param !== undefined) assert.equal(error.param, expected.param, error.message);
    if (expected.message !== undefined) assert.match(error.message, expected.message);
    assert.deepEqual(await footprint(), before, 'nothing was written');
    return error;
  };

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Careful Co' })).id;
    grant = await server.stripe.billing.creditGrants.create(grantParams(customer, 1000));
  });

  after(async () => {
    await server?.stop();
  });

  const create = (params: Record<string, unknown>) => () => server.stripe.billing.creditGrants.create(params as never);
  const base = () => grantParams(customer, 1000) as unknown as Record<string, unknown>;

  it('rejects bad create parameters with Stripe’s codes and names', async (t) => {
    const money = (monetary: Record<string, unknown>) => ({ ...base(), amount: { type: 'monetary', monetary } });
    const cases: Array<[string, Record<string, unknown>, { code?: string; param: string }]> = [
      ['missing customer', { ...base(), customer: undefined }, { code: 'parameter_missing', param: 'customer' }],
      ['unknown parameter', { ...base(), colour: 'blue' }, { code: 'parameter_unknown', param: 'colour' }],
      ['unknown nested parameter', money({ currency: 'usd', value: 5, cents: 3 }), { code: 'parameter_unknown', param: 'amount[monetary][cents]' }],
      ['fractional amount', money({ currency: 'usd', value: 10.5 }), { code: 'parameter_invalid_integer', param: 'amount[monetary][value]' }],
      ['non-numeric amount', money({ currency: 'usd', value: '12abc' }), { code: 'parameter_invalid_integer', param: 'amount[monetary][value]' }],
      ['zero amount', money({ currency: 'usd', value: 0 }), { param: 'amount[monetary][value]' }],
      ['negative amount', money({ currency: 'usd', value: -5 }), { param: 'amount[monetary][value]' }],
      ['amount beyond 2^53', money({ currency: 'usd', value: '9007199254740993' }), { param: 'amount[monetary][value]' }],
      ['missing amount value', money({ currency: 'usd' }), { code: 'parameter_missing', param: 'amount[monetary][value]' }],
      ['unknown currency', money({ currency: 'xyz', value: 5 }), { param: 'amount[monetary][currency]' }],
      ['amount type', { ...base(), amount: { type: 'credits', monetary: { currency: 'usd', value: 5 } } }, { param: 'amount[type]' }],
      ['amount not an object', { ...base(), amount: '500' }, { param: 'amount' }],
      ['category', { ...base(), category: 'gift' }, { param: 'category' }],
      // Stripe requires category; a create without it is Stripe's 400, not a default.
      ['missing category', { ...base(), category: undefined }, { code: 'parameter_missing', param: 'category' }],
      ['priority above 100', { ...base(), priority: 101 }, { param: 'priority' }],
      ['priority not an integer', { ...base(), priority: 'high' }, { code: 'parameter_invalid_integer', param: 'priority' }],
      ['expiry before effective', { ...base(), effective_at: nowSeconds() + 100, expires_at: nowSeconds() + 50 }, { param: 'expires_at' }],
      ['expiry in the past', { ...base(), expires_at: nowSeconds() - 3600 }, { param: 'expires_at' }],
      ['timestamp not an integer', { ...base(), effective_at: '2026-01-01' }, { code: 'parameter_invalid_integer', param: 'effective_at' }],
      // After 9999-12-31T23:59:59Z no RFC 3339 time (and no JavaScript date past 275760) holds it.
      ['expiry after year 9999', { ...base(), expires_at: 253_402_300_800 }, { param: 'expires_at' }],
      ['expiry at 2^53 − 1 seconds', { ...base(), expires_at: 9_007_199_254_740_991 }, { param: 'expires_at' }],
      ['start after year 9999', { ...base(), effective_at: 8_640_000_000_001 }, { param: 'effective_at' }],
      ['no applicability', { ...base(), applicability_config: undefined }, { code: 'parameter_missing', param: 'applicability_config' }],
      [
        'price_type and prices',
        { ...base(), applicability_config: { scope: { price_type: 'metered', prices: [{ id: 'price_a' }] } } },
        { code: 'parameters_exclusive', param: 'applicability_config[scope][prices]' },
      ],
      ['price_type', { ...base(), applicability_config: { scope: { price_type: 'licensed' } } }, { param: 'applicability_config[scope][price_type]' }],
      ['empty name', { ...base(), name: '' }, { code: 'parameter_invalid_empty', param: 'name' }],
      ['metadata key too long', { ...base(), metadata: { ['k'.repeat(41)]: 'v' } }, { param: `metadata[${'k'.repeat(41)}]` }],
      ['expand', { ...base(), expand: ['customer'] }, { code: 'parameter_unknown', param: 'expand' }],
      ['customer that does not exist', { ...base(), customer: 'cus_doesnotexist' }, { code: 'resource_missing', param: 'customer' }],
      ['customer ID of another form', { ...base(), customer: 'acme' }, { code: 'resource_missing', param: 'customer' }],
    ];
    for (const [name, params, expected] of cases) {
      await t.test(name, async () => {
        await rejects(create(params), { status: 400, ...expected });
      });
    }
  });

  it('rejects bad update, list, summary and transaction parameters', async () => {
    const billing = () => server.stripe.billing;
    await rejects(() => billing().creditGrants.update(grant.id, { name: 'renamed' } as never), { status: 400, code: 'parameter_unknown', param: 'name' });
    await rejects(() => billing().creditGrants.update(grant.id, { expires_at: nowSeconds() - 10 }), { status: 400, param: 'expires_at' });
    await rejects(() => billing().creditGrants.update(grant.id, { expires_at: 1.5 }), { status: 400, code: 'parameter_invalid_integer', param: 'expires_at' });
    await rejects(() => billing().creditGrants.update(grant.id, { expires_at: 9_000_000_000_000 }), { status: 400, param: 'expires_at' });
    await rejects(() => billing().creditGrants.list({ customer, limit: 0 }), { status: 400, param: 'limit' });
    await rejects(() => billing().creditGrants.list({ customer, limit: 101 }), { status: 400, param: 'limit' });
    await rejects(() => billing().creditGrants.list({ customer, starting_after: 'credgr_01aaaaaaaaaaaaaaaaaaaaaaaa' }), {
      status: 400,
      code: 'resource_missing',
      param: 'starting_after',
    });
    await rejects(() => billing().creditGrants.list({ customer, ending_before: grant.id }), { status: 400, param: 'ending_before' });
    await rejects(() => billing().creditGrants.list({ customer: 'cus_doesnotexist' }), { status: 400, code: 'resource_missing', param: 'customer' });
    await rejects(() => billing().creditBalanceSummaries.retrieve({ customer } as never), { status: 400, code: 'parameter_missing', param: 'filter' });
    await rejects(() => billing().creditBalanceSummaries.retrieve({ customer, filter: { type: 'everything' } }), { status: 400, param: 'filter[type]' });
    await rejects(() => billing().creditBalanceSummaries.retrieve({ customer, filter: { type: 'applicability_scope' } }), {
      status: 400,
      code: 'parameter_missing',
      param: 'filter[applicability_scope]',
    });
    await rejects(() => billing().creditBalanceTransactions.list({} as never), { status: 400, code: 'parameter_missing', param: 'customer' });
    await rejects(() => billing().creditBalanceTransactions.list({ customer, credit_grant: 'credgr_01aaaaaaaaaaaaaaaaaaaaaaaa' }), {
      status: 400,
      code: 'resource_missing',
      param: 'credit_grant',
    });
    await rejects(() => billing().creditBalanceTransactions.retrieve('cbtxn_01aaaaaaaaaaaaaaaaaaaaaaaa'), { status: 404, code: 'resource_missing' });
  });

  it('refuses bodies that are not form-encoded, unknown URLs and bad idempotency keys', async () => {
    const before = await footprint();
    const json = await rawStripe(server.stripeUrl, {
      method: 'POST',
      path: '/v1/billing/credit_grants',
      key: server.key,
      body: JSON.stringify({ customer, amount: { type: 'monetary', monetary: { currency: 'usd', value: 5 } } }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(json.status, 400);
    assert.equal(json.body.error.type, 'invalid_request_error');
    assert.match(json.body.error.message, /x-www-form-urlencoded/);
    const unknown = await rawStripe(server.stripeUrl, { method: 'GET', path: '/v1/billing/credit_grants_typo', key: server.key });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /Unrecognized request URL/);
    const longKey = await rawStripe(server.stripeUrl, {
      method: 'POST',
      path: '/v1/customers',
      key: server.key,
      body: 'name=x',
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    assert.equal(longKey.status, 400);
    assert.equal(longKey.body.error.param, 'Idempotency-Key');
    assert.deepEqual(await footprint(), before);
  });

  it('refuses text that is not UTF-8: raw bytes in the form, and percent escapes that do not decode, in the form and the query', async () => {
    const before = await footprint();
    const refusals = [
      await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/customers', key: server.key, body: 'name=a%ED%A0%80b' }),
      await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/customers', key: server.key, body: 'name=x&metadata[k%FF]=v' }),
      await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/customers', key: server.key, body: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xe9]) as unknown as string }),
      await rawStripe(server.stripeUrl, { method: 'GET', path: `/v1/billing/credit_grants?customer=${customer}&ending_before=%E9`, key: server.key }),
    ];
    for (const refusal of refusals) {
      assert.equal(refusal.status, 400, JSON.stringify(refusal.body));
      assert.equal(refusal.body.error.type, 'invalid_request_error');
      assert.match(refusal.body.error.message, /UTF-8/);
    }
    assert.deepEqual(
      refusals.map((refusal) => refusal.body.error.param),
      ['name', 'body', 'body', 'ending_before'],
    );
    assert.deepEqual(await footprint(), before);
    // The control: the same name, escaped right, is taken.
    const customerCreated = await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/customers', key: server.key, body: 'name=caf%C3%A9' });
    assert.equal(customerCreated.body.name, 'café');
  });

  it('answers 401 authentication_error without a valid key, and accepts Basic auth as curl sends it', async () => {
    const missing = await rawStripe(server.stripeUrl, { method: 'GET', path: `/v1/billing/credit_grants/${grant.id}` });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.type, 'authentication_error');
    const wrong = await stripeError(server.client('cb_test_notARealKey000000000000000000000').billing.creditGrants.retrieve(grant.id));
    assert.ok(wrong instanceof Stripe.errors.StripeAuthenticationError);
    assert.equal(wrong.statusCode, 401);
    assert.doesNotMatch(wrong.message, /notARealKey000000000000000000000/, 'the key is not echoed in full');
    const basic = await rawStripe(server.stripeUrl, {
      method: 'GET',
      path: `/v1/billing/credit_grants/${grant.id}`,
      headers: { authorization: `Basic ${Buffer.from(`${server.key}:`).toString('base64')}` },
    });
    assert.equal(basic.status, 200);
    assert.equal(basic.body.id, grant.id);
  });

  it('keeps environments apart: another environment’s objects are 404, and livemode follows the key', async () => {
    const live = server.client(server.createLiveKey());
    const error = await stripeError(live.billing.creditGrants.retrieve(grant.id));
    assert.equal(error.statusCode, 404);
    assert.equal(error.code, 'resource_missing');
    assert.equal((await stripeError(live.billing.creditGrants.voidGrant(grant.id))).statusCode, 404);
    assert.equal((await stripeError(live.customers.retrieve(customer))).statusCode, 404);
    assert.equal((await stripeError(live.billing.creditGrants.create(grantParams(customer, 5)))).code, 'resource_missing');
    assert.deepEqual((await live.billing.creditGrants.list({ limit: 100 })).data, []);
    // The grant is untouched, and a live customer's objects say livemode: true.
    assert.equal((await server.stripe.billing.creditGrants.retrieve(grant.id)).voided_at, null);
    const liveCustomer = await live.customers.create({ name: 'Live' });
    const liveGrant = await live.billing.creditGrants.create(grantParams(liveCustomer.id, 250));
    assert.equal(liveGrant.livemode, true);
    assert.equal((await stripeError(server.stripe.billing.creditGrants.retrieve(liveGrant.id))).statusCode, 404);
  });
});

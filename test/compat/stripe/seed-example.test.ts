import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawStripe, startStripeServe, type StripeServe } from './stripe-serve.ts';

/**
 * The example of Stripe's API reference for "Create a credit grant", copied
 * here (as the Stripe seed document gives it) so the test runs on a
 * clean clone: its request, sent both through the official client and as the
 * raw bracketed form body, must answer the documented object.
 */
const DOCUMENTED = {
  id: 'credgr_test_61R9a6NUWsRmOW3RM41L6nFOS1ekDGHo',
  object: 'billing.credit_grant',
  amount: { monetary: { currency: 'usd', value: 1000 }, type: 'monetary' },
  applicability_config: { scope: { price_type: 'metered' } },
  category: 'paid',
  created: 1726620803,
  customer: 'cus_QrvQguzkIK8zTj',
  effective_at: 1729297860,
  expires_at: null,
  livemode: false,
  metadata: {},
  name: 'Purchased Credits',
  priority: null,
  test_clock: null,
  updated: 1726620803,
} as const;

/** Where the documented example shows null but the field is typed `number | null`, a number is a valid answer. */
const NULLABLE_NUMBERS = new Set(['priority']);

function assertDocumentedShape(actual: Record<string, unknown>): void {
  for (const [key, documented] of Object.entries(DOCUMENTED)) {
    assert.ok(key in actual, `documented field '${key}' is missing`);
    const value = actual[key];
    if (documented === null) {
      assert.ok(value === null || (NULLABLE_NUMBERS.has(key) && typeof value === 'number'), `'${key}' is ${JSON.stringify(value)}, documented null`);
    } else {
      assert.equal(typeof value, typeof documented, `'${key}' has the documented type`);
    }
  }
}

describe('stripe dialect: the seed document’s example', () => {
  let server: StripeServe;
  let customer: string;

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Seed customer' })).id;
  });

  after(async () => {
    await server?.stop();
  });

  const expectDocumentedValues = (grant: Record<string, unknown>) => {
    assertDocumentedShape(grant);
    assert.match(String(grant.id), /^credgr_/);
    assert.equal(grant.customer, customer);
    for (const key of ['object', 'amount', 'applicability_config', 'category', 'effective_at', 'expires_at', 'livemode', 'metadata', 'name', 'test_clock'] as const) {
      assert.deepEqual(grant[key], DOCUMENTED[key], `'${key}' has the documented value`);
    }
    assert.equal(grant.priority, 50, 'an unspecified priority is the documented default, 50');
  };

  it('answers the documented credit grant through the official client', async () => {
    const grant = await server.stripe.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { currency: 'usd', value: 1000 } },
      applicability_config: { scope: { price_type: 'metered' } },
      category: 'paid',
      effective_at: DOCUMENTED.effective_at,
      name: 'Purchased Credits',
    });
    expectDocumentedValues({ ...grant });
    expectDocumentedValues({ ...(await server.stripe.billing.creditGrants.retrieve(grant.id)) });
  });

  it('answers the documented credit grant for the raw form request', async () => {
    const body = [
      `customer=${customer}`,
      'amount[type]=monetary',
      'amount[monetary][currency]=usd',
      'amount[monetary][value]=1000',
      'applicability_config[scope][price_type]=metered',
      'category=paid',
      `effective_at=${DOCUMENTED.effective_at}`,
      'name=Purchased%20Credits',
    ].join('&');
    const response = await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/billing/credit_grants', key: server.key, body });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    expectDocumentedValues(response.body);
  });

  it('rejects the example without its required parameters, as the document marks them', async () => {
    for (const missing of ['customer', 'amount', 'applicability_config']) {
      const params = new URLSearchParams({
        customer,
        'amount[type]': 'monetary',
        'amount[monetary][currency]': 'usd',
        'amount[monetary][value]': '1000',
        'applicability_config[scope][price_type]': 'metered',
      });
      for (const key of [...params.keys()]) if (key === missing || key.startsWith(`${missing}[`)) params.delete(key);
      const response = await rawStripe(server.stripeUrl, { method: 'POST', path: '/v1/billing/credit_grants', key: server.key, body: params.toString() });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body.error.code, 'parameter_missing');
      assert.equal(response.body.error.param, missing);
    }
  });
});

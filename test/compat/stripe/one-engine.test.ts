import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../../support/serve-process.ts';
import { grantParams, startStripeServe, stripeError, type StripeServe } from './stripe-serve.ts';

const nativeId = (stripeGrantId: string) => stripeGrantId.replace('credgr_', 'grt_');

/**
 * One engine: what the Stripe dialect writes, the native API reads with the
 * same amounts (on the main port, with the same key), and the other way round.
 */
describe('stripe dialect: one engine with the native API', () => {
  let server: StripeServe;
  let customer: string;

  const meteredSummary = async (stripeCustomer: string) => {
    const summary = await server.stripe.billing.creditBalanceSummaries.retrieve({
      customer: stripeCustomer,
      filter: { type: 'applicability_scope', applicability_scope: { price_type: 'metered' } },
    });
    return summary.balances.map((balance) => [balance.available_balance.monetary!.currency, balance.available_balance.monetary!.value]);
  };

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Both Worlds' })).id;
  });

  after(async () => {
    await server?.stop();
  });

  it('shows a Stripe grant through the native API with the same amounts and fields', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    const grant = await server.stripe.billing.creditGrants.create(
      grantParams(customer, 1000, 'usd', { category: 'promotional', priority: 20, expires_at: expiresAt, name: 'Top-up', metadata: { order: '42' } }),
    );
    const native = await server.native('GET', `/v1/grants/${nativeId(grant.id)}`);
    assert.equal(native.status, 200, JSON.stringify(native.body));
    assert.deepEqual(
      {
        customerId: native.body.customerId,
        unit: native.body.unit,
        walletKey: native.body.walletKey,
        amount: native.body.amount,
        available: native.body.available,
        category: native.body.category,
        priority: native.body.priority,
        expiresAt: native.body.expiresAt,
        name: native.body.name,
        metadata: native.body.metadata,
        appliesTo: native.body.appliesTo,
      },
      {
        customerId: customer,
        unit: 'usd',
        walletKey: null,
        amount: '10',
        available: '10',
        category: 'promotional',
        priority: 20,
        expiresAt: new Date(expiresAt * 1000).toISOString(),
        name: 'Top-up',
        metadata: { order: '42' },
        appliesTo: [],
      },
    );
    const balance = await server.native('GET', `/v1/balances?customerId=${customer}&unit=usd`);
    assert.equal(balance.body.available, '10');
    const listed = await server.native('GET', `/v1/grants?customerId=${customer}`);
    assert.deepEqual(listed.body.data.map((item: { id: string }) => item.id), [nativeId(grant.id)]);
  });

  it('reflects a native debit and a native usd grant in the Stripe summary, transactions and list', async () => {
    const debit = await server.native('POST', '/v1/debits', { customerId: customer, unit: 'usd', amount: '2.5' });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    assert.deepEqual(await meteredSummary(customer), [['usd', 750]]);
    const nativeGrant = await server.native('POST', '/v1/grants', { customerId: customer, unit: 'usd', amount: '3.33', category: 'paid' });
    assert.equal(nativeGrant.status, 201, JSON.stringify(nativeGrant.body));
    assert.deepEqual(await meteredSummary(customer), [['usd', 1083]]);
    const stripeView = await server.stripe.billing.creditGrants.retrieve(nativeGrant.body.id.replace('grt_', 'credgr_'));
    assert.deepEqual(stripeView.amount.monetary, { currency: 'usd', value: 333 });
    assert.equal(stripeView.category, 'paid');
    const transactions = await server.stripe.billing.creditBalanceTransactions.list({ customer });
    assert.deepEqual(
      transactions.data.map((transaction) => [transaction.type, (transaction.debit ?? transaction.credit)!.amount.monetary!.value]),
      [
        ['credit', 333],
        ['debit', 250],
        ['credit', 1000],
      ],
    );
  });

  it('voids through either side and both see it', async () => {
    const viaStripe = await server.stripe.billing.creditGrants.create(grantParams(customer, 200));
    await server.stripe.billing.creditGrants.voidGrant(viaStripe.id);
    assert.equal((await server.native('GET', `/v1/grants/${nativeId(viaStripe.id)}`)).body.status, 'voided');
    const viaNative = await server.native('POST', '/v1/grants', { customerId: customer, unit: 'usd', amount: '1' });
    const voided = await server.native('POST', `/v1/grants/${viaNative.body.id}/void`, {});
    assert.equal(voided.status, 200);
    const seen = await server.stripe.billing.creditGrants.retrieve(viaNative.body.id.replace('grt_', 'credgr_'));
    assert.equal(seen.voided_at, Math.floor(Date.parse(voided.body.voidedAt) / 1000));
    assert.deepEqual(await meteredSummary(customer), [['usd', 1083]]);
  });

  it('keeps wallets Stripe cannot address out of the Stripe view', async () => {
    assert.equal((await server.native('POST', '/v1/units', { code: 'ai_credits', scale: 2 })).status, 201);
    const credits = await server.native('POST', '/v1/grants', { customerId: customer, unit: 'ai_credits', amount: '500' });
    const keyed = await server.native('POST', '/v1/grants', { customerId: customer, unit: 'usd', walletKey: 'sub_123', amount: '7' });
    assert.equal(credits.status, 201, JSON.stringify(credits.body));
    assert.equal(keyed.status, 201, JSON.stringify(keyed.body));
    const listed = (await server.stripe.billing.creditGrants.list({ customer, limit: 100 })).data.map((grant) => grant.id);
    assert.ok(!listed.includes(credits.body.id.replace('grt_', 'credgr_')));
    assert.ok(!listed.includes(keyed.body.id.replace('grt_', 'credgr_')));
    assert.equal((await stripeError(server.stripe.billing.creditGrants.retrieve(keyed.body.id.replace('grt_', 'credgr_')))).statusCode, 404);
    assert.deepEqual(await meteredSummary(customer), [['usd', 1083]]);
  });

  it('addresses native customers by a reversible cus_ ID', async () => {
    assert.equal((await server.native('POST', '/v1/customers', { id: 'acme-corp', name: 'Acme' })).status, 201);
    assert.equal((await server.native('POST', '/v1/customers', { id: 'cus_Migrated123', name: 'From Stripe' })).status, 201);
    const acme = await server.stripe.customers.retrieve('cus_.acme-corp');
    assert.equal(acme.id, 'cus_.acme-corp');
    const migrated = await server.stripe.customers.retrieve('cus_Migrated123');
    assert.equal(migrated.id, 'cus_Migrated123', 'a Stripe-shaped ID is used as it is');
    const grant = await server.stripe.billing.creditGrants.create(grantParams('cus_.acme-corp', 900));
    assert.equal(grant.customer, 'cus_.acme-corp');
    assert.equal((await server.native('GET', `/v1/grants/${nativeId(grant.id)}`)).body.customerId, 'acme-corp');
    assert.equal((await stripeError(server.stripe.customers.retrieve('cus_.cus_Migrated123'))).statusCode, 404, 'only one spelling per customer');
  });

  it('refuses a currency whose native unit has another scale', async () => {
    const liveKey = server.createLiveKey();
    const liveNative = apiClient(server.served.baseUrl, liveKey);
    assert.equal((await liveNative('POST', '/v1/units', { code: 'usd', scale: 4 })).status, 201);
    const liveCustomer = await liveNative('POST', '/v1/customers', { name: 'Precise' });
    const error = await stripeError(server.client(liveKey).billing.creditGrants.create(grantParams(liveCustomer.body.id, 100)));
    assert.equal(error.statusCode, 400);
    assert.equal(error.param, 'amount[monetary][currency]');
    assert.match(error.message, /scale/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, HOUR, iso, startTestApi, type ExpectedError, type Json, type RequestOptions, type TestApi } from '../support/test-api.ts';

/**
 * Bad input on the purchase, invoice, balance-settings and payment-method
 * routes: the documented error shape, the status, the parameter it names, and
 * no row written anywhere.
 */
describe('bad input on purchases and auto top-up is rejected and writes nothing', () => {
  let api: TestApi;
  let wallet: { customerId: string; unit: string };
  let card: Json;

  before(async () => {
    api = await startTestApi();
    wallet = await api.wallet({ scale: 2 });
    card = expectStatus(await api.post('/v1/payment-methods', { customerId: wallet.customerId, testCard: 'succeeds' }), 201);
  });

  after(async () => {
    await api.close();
  });

  async function rejects(request: RequestOptions, expected: ExpectedError): Promise<Json> {
    return expectError(await api.expectNoWrites(() => api.request(request)), expected);
  }

  const purchase = (body: Record<string, unknown>): RequestOptions => ({ method: 'POST', url: '/v1/purchases', body: { ...wallet, amount: '100', price: '5.00', ...body } });
  const settings = (body: Record<string, unknown>): RequestOptions => ({ method: 'POST', url: '/v1/balance-settings', body: { ...wallet, ...body } });
  const autoTopUp = (body: Record<string, unknown>) =>
    settings({ autoTopUp: { threshold: '10', amount: '100', unitPrice: '0.05', paymentMethodId: card.id, ...body } });

  it('POST /v1/purchases: price', async () => {
    const { price: _omit, ...withoutPrice } = purchase({}).body as Record<string, unknown>;
    await rejects({ method: 'POST', url: '/v1/purchases', body: withoutPrice }, { status: 400, code: 'validation_error', param: 'price', message: 'required' });
    await rejects(purchase({ price: '0.49' }), { status: 400, code: 'validation_error', param: 'price', message: 'at least 0.50' });
    await rejects(purchase({ price: '5.001' }), { status: 400, code: 'validation_error', param: 'price', message: 'more decimal places than USD' });
    await rejects(purchase({ price: '0.5', currency: 'jpy' }), { status: 400, code: 'validation_error', param: 'price', message: 'JPY' });
    await rejects(purchase({ price: 5 }), { status: 400, code: 'validation_error', param: 'price' });
    await rejects(purchase({ price: '-5.00' }), { status: 400, code: 'validation_error', param: 'price' });
    await rejects(purchase({ price: '1e3' }), { status: 400, code: 'validation_error', param: 'price' });
    await rejects(purchase({ price: '1000000000000.00' }), { status: 400, code: 'validation_error', param: 'price' });
  });

  it('POST /v1/purchases: amount, currency and the wallet', async () => {
    await rejects(purchase({ amount: '0' }), { status: 400, code: 'validation_error', param: 'amount' });
    await rejects(purchase({ amount: '1.001' }), { status: 400, code: 'validation_error', param: 'amount', message: 'decimal places' });
    await rejects(purchase({ amount: 'ten' }), { status: 400, code: 'validation_error', param: 'amount' });
    await rejects(purchase({ currency: 'USD' }), { status: 400, code: 'validation_error', param: 'currency' });
    await rejects(purchase({ customerId: 'nobody' }), { status: 404, code: 'not_found', param: 'customerId' });
    await rejects(purchase({ unit: 'no_such_unit' }), { status: 404, code: 'not_found', param: 'unit' });
    await rejects(purchase({ surprise: true }), { status: 400, code: 'validation_error', param: 'surprise', message: 'Unknown parameter' });
  });

  it('POST /v1/purchases: URLs, times, terms and provider', async () => {
    const now = await api.now();
    await rejects(purchase({ successUrl: 'not a url' }), { status: 400, code: 'validation_error', param: 'successUrl' });
    await rejects(purchase({ cancelUrl: 'javascript:alert(1)' }), { status: 400, code: 'validation_error', param: 'cancelUrl' });
    await rejects(purchase({ paymentExpiresAt: iso(now - HOUR) }), { status: 400, code: 'validation_error', param: 'paymentExpiresAt' });
    await rejects(purchase({ paymentExpiresAt: iso(now) }), { status: 400, code: 'validation_error', param: 'paymentExpiresAt' });
    await rejects(purchase({ paymentExpiresAt: 'tomorrow' }), { status: 400, code: 'validation_error', param: 'paymentExpiresAt' });
    await rejects(purchase({ effectiveAt: iso(now + 2 * HOUR), expiresAt: iso(now + HOUR) }), { status: 400, code: 'validation_error', param: 'expiresAt' });
    await rejects(purchase({ expiresAt: iso(now - HOUR) }), { status: 400, code: 'validation_error', param: 'expiresAt' });
    await rejects(purchase({ priority: 101 }), { status: 400, code: 'validation_error', param: 'priority' });
    await rejects(purchase({ provider: 'paypal' }), { status: 400, code: 'validation_error', param: 'provider' });
    await rejects(purchase({ provider: 'stripe' }), { status: 501, code: 'not_supported', type: 'api_error', param: 'provider' });
  });

  it('purchases and invoices: unknown IDs, bad filters, no key', async () => {
    await rejects({ method: 'GET', url: '/v1/purchases/pur_nope' }, { status: 404, code: 'not_found', param: 'id' });
    await rejects({ method: 'POST', url: '/v1/purchases/pur_nope/cancel' }, { status: 404, code: 'not_found', param: 'id' });
    await rejects({ method: 'GET', url: '/v1/invoices/inv_nope' }, { status: 404, code: 'not_found', param: 'id' });
    await rejects({ method: 'GET', url: '/v1/purchases?status=sold' }, { status: 400, code: 'validation_error', param: 'status' });
    await rejects({ method: 'GET', url: '/v1/invoices?status=draft' }, { status: 400, code: 'validation_error', param: 'status' });
    await rejects({ method: 'GET', url: '/v1/purchases?limit=0' }, { status: 400, code: 'validation_error', param: 'limit' });
    await rejects({ method: 'GET', url: '/v1/purchases?startingAfter=pur_nope' }, { status: 400, code: 'validation_error', param: 'startingAfter' });
    await rejects({ ...purchase({}), key: null }, { status: 401, code: 'unauthenticated' });
  });

  it('the hosted checkout and the Stripe webhook', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const pay = await api.expectNoWrites(() => api.request({ method: 'POST', url: '/checkout/cs_test_nope/pay', key: null, payload: '', headers: form }));
    assert.equal(pay.status, 404);
    const odd = await api.expectNoWrites(() => api.request({ method: 'POST', url: '/checkout/..%2Fv1%2Fgrants/cancel', key: null, payload: '', headers: form }));
    assert.equal(odd.status, 404);
    // Stripe is not configured here.
    await rejects({ method: 'POST', url: '/webhooks/stripe', key: null, payload: '{}', headers: { 'stripe-signature': 't=1,v1=00' } }, { status: 501, code: 'not_supported', type: 'api_error' });
  });

  it('POST /v1/balance-settings', async () => {
    await rejects(settings({ lowBalanceThreshold: '0' }), { status: 400, code: 'validation_error', param: 'lowBalanceThreshold' });
    await rejects(settings({ lowBalanceThreshold: '-5' }), { status: 400, code: 'validation_error', param: 'lowBalanceThreshold' });
    await rejects(settings({ lowBalanceThreshold: '1.005' }), { status: 400, code: 'validation_error', param: 'lowBalanceThreshold' });
    await rejects(autoTopUp({ paymentMethodId: undefined }), { status: 400, code: 'validation_error', param: 'autoTopUp.paymentMethodId' });
    await rejects(autoTopUp({ targetBalance: '500' }), { status: 400, code: 'validation_error', param: 'autoTopUp.amount' });
    await rejects(autoTopUp({ amount: undefined }), { status: 400, code: 'validation_error', param: 'autoTopUp.amount' });
    await rejects(autoTopUp({ amount: undefined, targetBalance: '10' }), { status: 400, code: 'validation_error', param: 'autoTopUp.targetBalance' });
    await rejects(autoTopUp({ paymentMethodId: 'pm_nope' }), { status: 404, code: 'not_found', param: 'autoTopUp.paymentMethodId' });
    await rejects(autoTopUp({ unitPrice: '0.001' }), { status: 400, code: 'validation_error', param: 'autoTopUp.unitPrice', message: 'at least 0.50' });
    await rejects(autoTopUp({ unitPrice: '0' }), { status: 400, code: 'validation_error', param: 'autoTopUp.unitPrice' });
    await rejects(autoTopUp({ monthlyLimit: 'lots' }), { status: 400, code: 'validation_error', param: 'autoTopUp.monthlyLimit' });
    // The currency a purchase would refuse: its purchases, invoices and credit notes could never be reported as revenue.
    await rejects(autoTopUp({ currency: 'xyz' }), { status: 400, code: 'validation_error', param: 'autoTopUp.currency', message: 'ISO 4217' });
    await rejects(autoTopUp({ currency: 'xyz', monthlyLimit: '25.00' }), { status: 400, code: 'validation_error', param: 'autoTopUp.currency' });
    await rejects(autoTopUp({ threshold: '0' }), { status: 400, code: 'validation_error', param: 'autoTopUp.threshold' });
    await rejects(autoTopUp({ extra: 1 }), { status: 400, code: 'validation_error', param: 'autoTopUp.extra' });
    await rejects(settings({ customerId: 'nobody' }), { status: 404, code: 'not_found', param: 'customerId' });
    // Another customer's card cannot pay for this wallet.
    const other = expectStatus(await api.post('/v1/customers', {}), 201);
    const othersCard = expectStatus(await api.post('/v1/payment-methods', { customerId: other.id, testCard: 'succeeds' }), 201);
    await rejects(autoTopUp({ paymentMethodId: othersCard.id }), { status: 404, code: 'not_found', param: 'autoTopUp.paymentMethodId' });
  });

  it('POST /v1/payment-methods and GET /v1/balance-settings', async () => {
    const method = (body: Record<string, unknown>): RequestOptions => ({ method: 'POST', url: '/v1/payment-methods', body: { customerId: wallet.customerId, ...body } });
    await rejects(method({}), { status: 400, code: 'validation_error', param: 'testCard' });
    await rejects(method({ testCard: 'sometimes' }), { status: 400, code: 'validation_error', param: 'testCard' });
    await rejects(method({ customerId: 'nobody', testCard: 'succeeds' }), { status: 404, code: 'not_found', param: 'customerId' });
    await rejects(method({ testCard: 'succeeds', stripePaymentMethod: 'pm_123' }), { status: 400, code: 'validation_error', param: 'stripePaymentMethod' });
    await rejects(method({ provider: 'stripe', stripePaymentMethod: 'pm_1', stripeCustomer: 'cus_1' }), { status: 501, code: 'not_supported', type: 'api_error' });
    await rejects({ ...method({ provider: 'test', testCard: 'succeeds' }), key: api.liveKey }, { status: 400, code: 'validation_error', param: 'provider' });
    await rejects({ method: 'GET', url: '/v1/payment-methods/pm_nope' }, { status: 404, code: 'not_found', param: 'id' });
    await rejects({ method: 'GET', url: `/v1/balance-settings?customerId=${wallet.customerId}` }, { status: 400, code: 'validation_error', param: 'unit' });
  });
});

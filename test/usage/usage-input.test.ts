import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, startTestApi, type TestApi } from '../support/test-api.ts';

/**
 * What usage events and entitlement checks accept, and what they say when they
 * refuse: a quantity spelled as an amount is, a cost too large for an amount named
 * as the cost it is, and a number too large to be exact told to come as a string
 * only where a string is taken.
 */
describe('usage input', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  async function priced(price: { amount: string; per: string }) {
    const wallet = await api.wallet({ scale: 2 });
    const feature = api.unique('tok');
    expectStatus(await api.post('/v1/features', { key: feature, quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit: wallet.unit, ...price }), 201);
    return { ...wallet, feature };
  }

  it('a cost of more than 25 digits is refused as the cost (price × quantity), naming quantity, and writes nothing', async () => {
    const { customerId, feature } = await priced({ amount: '9999999999999999999999999', per: '0.0000000001' });
    await api.expectNoWrites(async () => {
      for (const response of [
        await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 1000 }),
        await api.post('/v1/entitlements/check', { customerId, feature, quantity: 1000 }),
      ]) {
        const error = expectError(response, { status: 400, code: 'validation_error', param: 'quantity', message: 'price × quantity' });
        assert.match(error.message, /would have more than 25 digits before the decimal point/);
        assert.doesNotMatch(error.message, /^'quantity' has more than 25 digits/);
      }
    });
  });

  it('a quantity is spelled as an amount is: "1e3" is 1000, exactly; other text is refused naming what is taken', async () => {
    const { customerId, unit, feature } = await priced({ amount: '0.15', per: '1000' });
    await api.grant({ customerId, unit, amount: '100' });
    const check = expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: '1e3' }), 200);
    assert.equal(check.cost, '0.15');
    const event = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: '1.84E3' }), 201);
    assert.deepEqual([event.quantity, event.cost], ['1840', '0.28']);
    await api.expectNoWrites(async () => {
      for (const quantity of ['ten', '1e', '+5', '']) {
        const error = expectError(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity }), {
          status: 400,
          code: 'validation_error',
          param: 'quantity',
        });
        assert.equal(error.message, `'quantity' must be a decimal string such as "1840", "0.5" or "1.5e3", or a number.`);
      }
    });
  });

  it('a number too large to be exact is told to come as a string only where the field takes one', async () => {
    const { customerId, feature } = await priced({ amount: '0.15', per: '1000' });
    const raw = (url: string, payload: string) => api.expectNoWrites(() => api.request({ method: 'POST', url, payload }));
    const ttl = expectError(await raw('/v1/entitlements/check', `{"customerId":"${customerId}","feature":"${feature}","quantity":1,"reserve":true,"ttlSeconds":1e20}`), {
      status: 400,
      code: 'validation_error',
      param: 'ttlSeconds',
    });
    assert.equal(ttl.message, "'ttlSeconds' is the number 1e20, which is not exact as a JSON number.");
    // The string it would otherwise have suggested is refused: the advice was wrong.
    expectError(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 1, reserve: true, ttlSeconds: '1e20' }), {
      status: 400,
      code: 'validation_error',
      param: 'ttlSeconds',
      message: 'must be an integer',
    });
    const quantity = expectError(await raw('/v1/usage-events', `{"id":"${api.unique('evt')}","customerId":"${customerId}","feature":"${feature}","quantity":9007199254740993}`), {
      status: 400,
      code: 'validation_error',
      param: 'quantity',
    });
    assert.equal(quantity.message, `'quantity' is the number 9007199254740993, which cannot be represented exactly as a JSON number; send it as a string, e.g. "9007199254740993".`);
  });
});

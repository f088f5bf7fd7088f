import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createEntitlement,
  expectPaygenticError,
  expectShape,
  nativeOk,
  startPaygenticServer,
  type Json,
  type PaygenticServer,
} from './paygentic-harness.ts';
import { PaygenticGrant, PaygenticGrantList, PaygenticPurchase } from './paygentic-response-schemas.ts';

const GRANT_FIELDS = ['object', 'id', 'entitlementId', 'amount', 'effectiveAt', 'expiresAt', 'voidedAt', 'createdAt', 'recurrencePeriod', 'idempotencyKey'].sort();

/**
 * Every request of the Paygentic seed document (create, list, list with voided,
 * get, void, purchase), against the real `serve` command through /compat/paygentic,
 * each answered in the documented shape.
 */
describe("paygentic dialect: the seed document's requests, in order", () => {
  let server: PaygenticServer;
  const grants = (entitlementId: string) => `/v1/entitlements/${entitlementId}/grants`;
  const createGrant = async (entitlementId: string, body: Record<string, unknown>): Promise<Json> => {
    const response = await server.paygentic('POST', grants(entitlementId), { body });
    assert.equal(response.status, 201, response.text);
    return expectShape(PaygenticGrant, response.body);
  };
  const list = async (entitlementId: string, query = '?includeVoided=false&limit=20&offset=0'): Promise<Json> => {
    const response = await server.paygentic('GET', `${grants(entitlementId)}${query}`);
    assert.equal(response.status, 200, response.text);
    return expectShape(PaygenticGrantList, response.body);
  };

  before(async () => {
    server = await startPaygenticServer();
    // The seed's entitlement: a wallet keyed entitlement:ent_abc123 (see the dialect README).
    await createEntitlement(server, { entitlementId: 'ent_abc123', customerId: 'cus_seed' });
  });

  after(async () => server?.close());

  let seedGrant: Json;

  it('creates a grant: 201 with exactly the grant shape, recurrencePeriod and idempotencyKey present', async () => {
    seedGrant = await createGrant('ent_abc123', { amount: 500, idempotencyKey: 'promo-500-march-2026' });
    assert.deepEqual(Object.keys(seedGrant).sort(), GRANT_FIELDS);
    assert.equal(seedGrant.object, 'grant');
    assert.equal(seedGrant.entitlementId, 'ent_abc123');
    assert.equal(seedGrant.amount, 500);
    assert.equal(seedGrant.expiresAt, null);
    assert.equal(seedGrant.voidedAt, null);
    assert.equal(seedGrant.recurrencePeriod, null);
    assert.equal(seedGrant.idempotencyKey, 'promo-500-march-2026');
    assert.ok(Math.abs(Date.parse(seedGrant.effectiveAt) - Date.now()) < 60_000, 'effective now');
  });

  it('lists the grants (the client always sends includeVoided=false&limit=20&offset=0)', async () => {
    const page = await list('ent_abc123');
    assert.deepEqual(page.data, [seedGrant]);
    assert.deepEqual(page.pagination, { total: 1, limit: 20, offset: 0 });
    // The cURL example sends no query at all: the same defaults.
    assert.deepEqual(await list('ent_abc123', ''), page);
  });

  it('lists with includeVoided=true', async () => {
    const page = await list('ent_abc123', '?includeVoided=true');
    assert.deepEqual(page.data.map((grant: Json) => grant.id), [seedGrant.id]);
  });

  it('gets the grant', async () => {
    const response = await server.paygentic('GET', `${grants('ent_abc123')}/${seedGrant.id}`);
    assert.equal(response.status, 200);
    assert.deepEqual(expectShape(PaygenticGrant, response.body), seedGrant);
  });

  it('voids it with DELETE (200 with the grant), idempotently', async () => {
    const response = await server.paygentic('DELETE', `${grants('ent_abc123')}/${seedGrant.id}`);
    assert.equal(response.status, 200, response.text);
    const voided = expectShape(PaygenticGrant, response.body);
    assert.deepEqual({ ...voided, voidedAt: null }, seedGrant);
    assert.ok(voided.voidedAt);
    const again = await server.expectNoWrites(() => server.paygentic('DELETE', `${grants('ent_abc123')}/${seedGrant.id}`));
    assert.equal(again.status, 200);
    assert.deepEqual(expectShape(PaygenticGrant, again.body), voided);
    assert.deepEqual((await list('ent_abc123')).data, []);
    assert.deepEqual((await list('ent_abc123', '?includeVoided=true&limit=20&offset=0')).data, [voided]);
    assert.equal((await list('ent_abc123')).pagination.total, 0);
  });

  it('purchases a grant: 201 with the invoice and a payment session; the grant shows once paid', async () => {
    const body = {
      amount: 1000,
      price: '5.00',
      idempotencyKey: 'topup-1000-march-2026',
      successUrl: 'https://example.com/credits/success',
      cancelUrl: 'https://example.com/credits',
    };
    const response = await server.paygentic('POST', `${grants('ent_abc123')}/purchase`, { body });
    assert.equal(response.status, 201, response.text);
    const purchase = expectShape(PaygenticPurchase, response.body);
    assert.match(purchase.invoiceId, /^inv_/);
    assert.deepEqual([purchase.entitlementId, purchase.grantAmount, purchase.price, purchase.currency], ['ent_abc123', 1000, '5.00', 'usd']);
    assert.equal(purchase.paymentSessions.length, 1);
    const [session] = purchase.paymentSessions;
    assert.equal(session.amount, 500, 'the session amount is in minor units');
    assert.ok(Date.parse(session.expiresAt) > Date.now());

    // Retrying returns the same invoice; the same key with another price is a conflict.
    const replay = await server.expectNoWrites(() => server.paygentic('POST', `${grants('ent_abc123')}/purchase`, { body }));
    assert.deepEqual([replay.status, replay.body], [201, purchase]);
    const conflict = await server.expectNoWrites(() => server.paygentic('POST', `${grants('ent_abc123')}/purchase`, { body: { ...body, price: '6.00' } }));
    expectPaygenticError(conflict, 409, 'IDEMPOTENCY_CONFLICT');

    // Unpaid, there is no grant yet.
    assert.equal((await list('ent_abc123', '?includeVoided=true&limit=20&offset=0')).pagination.total, 1);
    assert.equal((await server.paygentic('GET', '/v1/entitlements/ent_abc123')).body.balance, 0);

    // The customer pays on the hosted (test) checkout: the grant appears, paid for.
    const paid = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get('location'), body.successUrl);
    const page = await list('ent_abc123');
    assert.equal(page.data.length, 1);
    const bought = page.data[0];
    assert.deepEqual([bought.amount, bought.idempotencyKey, bought.voidedAt], [1000, 'topup-1000-march-2026', null]);
    const native = await nativeOk(server, 'GET', `/v1/grants/${bought.id}`);
    assert.deepEqual([native.category, native.cost], ['paid', { amount: '5', currency: 'usd' }]);
    assert.equal((await server.paygentic('GET', '/v1/entitlements/ent_abc123')).body.balance, 1000);
  });
});

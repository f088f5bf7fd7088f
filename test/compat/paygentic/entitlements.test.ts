import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../../support/serve-process.ts';
import { createEntitlement, expectPaygenticError, expectShape, nativeOk, startPaygenticServer, type Json, type PaygenticServer } from './paygentic-harness.ts';
import { PaygenticEntitlement, PaygenticGrant, PaygenticGrantList } from './paygentic-response-schemas.ts';

/** The metered entitlement detail, and one engine: Paygentic and the native API see the same wallet. */
describe('paygentic dialect: entitlements and one engine', () => {
  let server: PaygenticServer;

  const entitlement = async (id: string): Promise<Json> => {
    const response = await server.paygentic('GET', `/v1/entitlements/${id}`);
    assert.equal(response.status, 200, response.text);
    return expectShape(PaygenticEntitlement, response.body);
  };

  before(async () => {
    server = await startPaygenticServer();
  });

  after(async () => server?.close());

  it('shows a new entitlement: its customer, feature (unit), zero balance, no access', async () => {
    const wallet = await createEntitlement(server, { entitlementId: 'ent_new', customerId: 'cus-new', unit: 'tokens' });
    const detail = await entitlement('ent_new');
    assert.deepEqual(detail, {
      object: 'entitlement',
      id: 'ent_new',
      customerId: 'cus-new',
      featureId: 'tokens',
      featureKey: 'tokens',
      featureType: 'metered',
      subscriptionId: null,
      status: 'active',
      activeFrom: wallet.createdAt,
      activeTo: null,
      hasAccess: false,
      isSoftLimit: false,
      balance: 0,
      usageInPeriod: 0,
      overage: 0,
      currentPeriodStart: null,
      currentPeriodEnd: null,
    });
  });

  it('is one engine: a Paygentic grant is the native grant; native debits show as usage and overage', async () => {
    await createEntitlement(server, { entitlementId: 'ent_engine', customerId: 'cus-engine', unit: 'tokens' });
    const created = await server.paygentic('POST', '/v1/entitlements/ent_engine/grants', { body: { amount: 100.5, idempotencyKey: 'engine-1' } });
    const grant = expectShape(PaygenticGrant, created.body);
    const native = await nativeOk(server, 'GET', `/v1/grants/${grant.id}`);
    assert.deepEqual([native.amount, native.customerId, native.unit, native.walletKey, native.category], ['100.5', 'cus-engine', 'tokens', 'entitlement:ent_engine', 'promotional']);
    assert.equal(native.metadata['paygentic.idempotencyKey'], 'engine-1');

    const wallet = { customerId: 'cus-engine', unit: 'tokens', walletKey: 'entitlement:ent_engine' };
    await nativeOk(server, 'POST', '/v1/debits', { ...wallet, amount: '40.25' });
    let detail = await entitlement('ent_engine');
    assert.deepEqual([detail.balance, detail.usageInPeriod, detail.overage, detail.hasAccess, detail.isSoftLimit], [60.25, 40.25, 0, true, false]);

    // A soft limit: an overdraft limit on the wallet lets usage run past the grants.
    await nativeOk(server, 'POST', '/v1/wallets', { ...wallet, overdraftLimit: '50' });
    await nativeOk(server, 'POST', '/v1/debits', { ...wallet, amount: '70.25', onInsufficient: 'overdraft' });
    detail = await entitlement('ent_engine');
    assert.deepEqual([detail.balance, detail.usageInPeriod, detail.overage, detail.hasAccess, detail.isSoftLimit], [0, 110.5, 10, true, true]);

    // A native grant on the same wallet pays the overage back and shows in Paygentic's list, with no idempotency key.
    const topUp = await nativeOk(server, 'POST', '/v1/grants', { ...wallet, amount: '25' });
    detail = await entitlement('ent_engine');
    assert.deepEqual([detail.balance, detail.usageInPeriod, detail.overage], [15, 110.5, 0]);
    const listed = expectShape(PaygenticGrantList, (await server.paygentic('GET', '/v1/entitlements/ent_engine/grants?includeVoided=false&limit=20&offset=0')).body);
    assert.deepEqual(listed.data.map((item: Json) => [item.id, item.amount, item.idempotencyKey]), [
      [topUp.id, 25, null],
      [grant.id, 100.5, 'engine-1'],
    ]);

    // Voiding through Paygentic forfeits what is left, as the native API reports.
    await server.paygentic('DELETE', `/v1/entitlements/ent_engine/grants/${topUp.id}`);
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${topUp.id}`)).voided, '15');
    assert.equal((await entitlement('ent_engine')).balance, 0);
  });

  it('refuses an entitlement ID that two wallets carry (a conflict, not a guess)', async () => {
    await createEntitlement(server, { entitlementId: 'ent_twice', customerId: 'cus-one' });
    await createEntitlement(server, { entitlementId: 'ent_twice', customerId: 'cus-two' });
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/ent_twice'), 409, 'STATE_CONFLICT', /ent_twice/);
    expectPaygenticError(await server.expectNoWrites(() => server.paygentic('POST', '/v1/entitlements/ent_twice/grants', { body: { amount: 1, idempotencyKey: 'k' } })), 409, 'STATE_CONFLICT');
  });

  it('answers unknown entitlements, other environments, bad IDs and unknown routes in the flat shape', async () => {
    await createEntitlement(server, { entitlementId: 'ent_private', customerId: 'cus-private' });
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/ent_unknown'), 404, 'NOT_FOUND', /ent_unknown/);
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/ent_private', { key: server.liveKey() }), 404, 'NOT_FOUND');
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/bad%20id'), 400, 'VALIDATION_ERROR', /entitlementId/);
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/ent_private?expand=all'), 400, 'VALIDATION_ERROR', /expand/);
    expectPaygenticError(await server.paygentic('GET', '/v1/nothing'), 404, 'NOT_FOUND');
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/ent_private', { key: null }), 401, 'UNAUTHENTICATED');
    // The live environment has its own entitlements, even with the same ID.
    const live = server.liveKey();
    await createEntitlement(server, { entitlementId: 'ent_private', customerId: 'cus-live', key: live });
    const liveDetail = await server.paygentic('GET', '/v1/entitlements/ent_private', { key: live });
    assert.equal(expectShape(PaygenticEntitlement, liveDetail.body).customerId, 'cus-live');
    assert.equal((await entitlement('ent_private')).customerId, 'cus-private');
  });
});

describe('paygentic dialect on its own port', () => {
  let server: PaygenticServer;

  before(async () => {
    server = await startPaygenticServer({ ownPort: true });
  });

  after(async () => server?.close());

  it('serves the same API at the root of --paygentic-port, and is not mounted on the main port', async () => {
    assert.notEqual(new URL(server.paygenticUrl).port, new URL(server.served.baseUrl).port);
    await createEntitlement(server, { entitlementId: 'ent_port', customerId: 'cus-port' });
    const created = await server.paygentic('POST', '/v1/entitlements/ent_port/grants', { body: { amount: 500, idempotencyKey: 'port-1' } });
    assert.equal(created.status, 201, created.text);
    const grant = expectShape(PaygenticGrant, created.body);
    assert.equal((await server.paygentic('GET', '/v1/entitlements/ent_port')).body.balance, 500);
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${grant.id}`)).amount, '500');
    // A malformed URL is refused by the router before any route runs: still in Paygentic's flat shape.
    expectPaygenticError(await server.paygentic('GET', '/v1/entitlements/%zz'), 400, 'VALIDATION_ERROR', /URL/);

    const notMounted = await apiClient(server.served.baseUrl, server.testKey)('GET', '/compat/paygentic/v1/entitlements/ent_port');
    assert.equal(notMounted.status, 404);
    assert.ok(notMounted.body.error && typeof notMounted.body.error === 'object', 'the main port answers in the native error shape');
  });
});

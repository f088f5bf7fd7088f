import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey, revokeApiKey } from '../../src/app/api-keys.ts';
import { expectError, expectStatus, HOUR, iso, startTestApi, type Json, type RequestOptions, type TestApi } from '../support/test-api.ts';

/**
 * Authentication and environment isolation (docs/semantics.md#environments-and-keys): every /v1 route needs
 * `Authorization: Bearer <key>`; a key sees only its own environment's rows and
 * gets 404 (not 403) for another environment's, so existence does not leak.
 */
describe('auth and environments', () => {
  let api: TestApi;
  // Objects made with the test key.
  let testWallet: { customerId: string; unit: string };
  let testGrant: Json;
  let testHold: Json;
  // Objects made with the live key.
  let liveWallet: { customerId: string; unit: string };
  let liveGrant: Json;

  before(async () => {
    api = await startTestApi();
    testWallet = await api.wallet();
    testGrant = await api.grant({ ...testWallet, amount: '100' });
    testHold = await api.hold({ ...testWallet, amount: '10' });
    // The live environment has a unit with the same code, so requests get past the unit lookup.
    await api.createUnit({ code: testWallet.unit, scale: 2 }, api.liveKey);
    liveWallet = { customerId: (await api.createCustomer({ name: 'Live customer' }, api.liveKey)).id, unit: testWallet.unit };
    liveGrant = await api.grant({ ...liveWallet, amount: '7' }, { key: api.liveKey });
  });

  after(async () => {
    await api.close();
  });

  /**
   * One request per /v1 route, generated from the OpenAPI document the server
   * publishes (from the same schemas that register the routes), so a new route
   * cannot be missed. Authentication runs before anything is parsed, so path
   * parameters are placeholders and bodies empty.
   */
  const everyRoute = async (): Promise<Array<{ method: RequestOptions['method']; url: string; body?: unknown }>> => {
    const document = expectStatus(await api.get('/openapi.json', { key: null }), 200);
    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({
        method: method.toUpperCase() as RequestOptions['method'],
        url: path.replace(/\{[^}]+\}/g, 'id_1'),
        ...(method === 'get' ? {} : { body: {} }),
      })),
    );
    const paths = new Set(routes.map((route) => route.url));
    for (const family of ['/v1/customers', '/v1/grants', '/v1/debits', '/v1/holds', '/v1/balances', '/v1/purchases', '/v1/invoices', '/v1/webhook-endpoints', '/v1/grant-schedules', '/v1/balance-settings', '/v1/payment-methods', '/v1/auto-top-ups']) {
      assert.ok(paths.has(family), `the OpenAPI document lists ${family}`);
    }
    return routes;
  };

  describe('401 unauthenticated', () => {
    it('every /v1 route answers 401 without a key, and writes nothing', async () => {
      for (const route of await everyRoute()) {
        const response = await api.expectNoWrites(() => api.request({ ...route, key: null }));
        expectError(response, { status: 401, code: 'unauthenticated', type: 'authentication_error' });
      }
    });

    it('every /v1 route answers 401 to an unknown key, and writes nothing', async () => {
      const wrongKey = `cb_test_${'A'.repeat(32)}`;
      for (const route of await everyRoute()) {
        const response = await api.expectNoWrites(() => api.request({ ...route, key: wrongKey }));
        expectError(response, { status: 401, code: 'unauthenticated' });
      }
    });

    it('rejects other Authorization forms: another scheme, an empty bearer, the key alone', async () => {
      for (const authorization of [`Basic ${Buffer.from(`${api.testKey}:`).toString('base64')}`, 'Bearer ', 'Bearer', api.testKey]) {
        const response = await api.get('/v1/customers', { headers: { authorization } });
        expectError(response, { status: 401, code: 'unauthenticated' });
      }
    });

    it('rejects a revoked key', async () => {
      const { key, record } = await createApiKey(api.dependencies, 'test');
      await revokeApiKey(api.dependencies, record.id);
      const response = await api.expectNoWrites(() => api.post('/v1/customers', { name: 'x' }, { key }));
      expectError(response, { status: 401, code: 'unauthenticated' });
    });

    it('refuses a key on the request right after its revocation, though the key was in use (and remembered) until then', async () => {
      const { key, record } = await createApiKey(api.dependencies, 'test');
      for (let use = 0; use < 3; use += 1) expectStatus(await api.get('/v1/customers', { key }), 200);
      expectStatus(await api.post(`/v1/api-keys/${record.id}/revoke`, {}), 200);
      expectError(await api.expectNoWrites(() => api.post('/v1/customers', { name: 'x' }, { key })), { status: 401, code: 'unauthenticated' });
    });

    it('refuses the keys of a deleted test environment on the next request, and shows a moved test clock at once', async () => {
      const created = expectStatus(await api.post('/v1/test-environments', { name: 'short-lived' }), 201);
      const clock = expectStatus(await api.get('/v1/test-clock', { key: created.key }), 200);
      const to = new Date(Date.parse(clock.now) + 3_600_000).toISOString();
      expectStatus(await api.post('/v1/test-clock/advance', { to }, { key: created.key }), 200);
      assert.equal(expectStatus(await api.get('/v1/test-clock', { key: created.key }), 200).now, to);
      expectStatus(await api.request({ method: 'DELETE', url: `/v1/test-environments/${created.id}` }), 200);
      expectError(await api.expectNoWrites(() => api.get('/v1/test-clock', { key: created.key })), { status: 401, code: 'unauthenticated' });
    });

    it('accepts a second, unrevoked key of the same environment (the control for the tests above)', async () => {
      const { key } = await createApiKey(api.dependencies, 'test');
      const customer = expectStatus(await api.get(`/v1/customers/${testWallet.customerId}`, { key }), 200);
      assert.equal(customer.id, testWallet.customerId);
    });

    it('cannot be bypassed by percent-encoding the /v1 prefix', async () => {
      const response = await api.expectNoWrites(() => api.request({ method: 'POST', url: '/%761/customers', body: { name: 'sneaky' }, key: null }));
      assert.ok(response.status === 401 || response.status === 404, `got ${response.status}: ${response.text}`);
      assert.equal(response.body.error.code, response.status === 401 ? 'unauthenticated' : 'not_found');
    });

    it('stores only a hash of each key', async () => {
      const stored = api.rows('SELECT key_hash, key_prefix FROM api_keys') as Array<{ key_hash: string; key_prefix: string }>;
      assert.ok(stored.length >= 2);
      for (const row of stored) {
        assert.match(row.key_hash, /^[0-9a-f]{64}$/);
        assert.notEqual(row.key_hash, api.testKey);
        assert.notEqual(row.key_hash, api.liveKey);
        assert.equal(row.key_prefix.length, 12, 'only a short prefix is kept, for display');
      }
    });
  });

  describe('a live key and test-environment objects: 404, never 403', () => {
    it('cannot read a test customer, grant or hold', async () => {
      for (const url of [`/v1/customers/${testWallet.customerId}`, `/v1/grants/${testGrant.id}`, `/v1/holds/${testHold.id}`]) {
        expectError(await api.get(url, { key: api.liveKey }), { status: 404, code: 'not_found' });
      }
    });

    it('cannot change a test grant or hold, and nothing is written', async () => {
      const attempts: Array<{ method: 'POST' | 'PATCH'; url: string; body: unknown }> = [
        { method: 'POST', url: `/v1/grants/${testGrant.id}/void`, body: {} },
        { method: 'POST', url: `/v1/grants/${testGrant.id}/expire`, body: {} },
        { method: 'PATCH', url: `/v1/grants/${testGrant.id}`, body: { priority: 1 } },
        { method: 'POST', url: `/v1/holds/${testHold.id}/capture`, body: {} },
        { method: 'POST', url: `/v1/holds/${testHold.id}/release`, body: {} },
      ];
      for (const attempt of attempts) {
        const response = await api.expectNoWrites(() => api.request({ ...attempt, key: api.liveKey }));
        expectError(response, { status: 404, code: 'not_found' });
      }
      const grant = expectStatus(await api.get(`/v1/grants/${testGrant.id}`), 200);
      assert.equal(grant.status, 'active');
      assert.equal(grant.priority, 50);
      assert.equal(expectStatus(await api.get(`/v1/holds/${testHold.id}`), 200).status, 'active');
    });

    it('cannot write to or read the wallet of a test customer, even with a unit of the same code', async () => {
      const body = { ...testWallet, amount: '5' };
      for (const url of ['/v1/grants', '/v1/debits', '/v1/holds']) {
        const response = await api.expectNoWrites(() => api.post(url, body, { key: api.liveKey }));
        expectError(response, { status: 404, code: 'not_found', param: 'customerId' });
      }
      const balance = await api.get(`/v1/balances?customerId=${testWallet.customerId}&unit=${testWallet.unit}`, { key: api.liveKey });
      expectError(balance, { status: 404, code: 'not_found', param: 'customerId' });
    });

    it('lists nothing of the test environment', async () => {
      const lists = ['/v1/customers', '/v1/grants', '/v1/wallets', '/v1/ledger-entries', '/v1/events', '/v1/units'];
      for (const url of lists) {
        const live = expectStatus(await api.get(`${url}?${url === '/v1/units' ? '' : 'limit=100'}`, { key: api.liveKey }), 200);
        const serialised = JSON.stringify(live.data);
        assert.ok(!serialised.includes(testWallet.customerId), `${url} leaks a test customer`);
        assert.ok(!serialised.includes(testGrant.id), `${url} leaks a test grant`);
      }
      const customers = expectStatus(await api.get('/v1/customers', { key: api.liveKey }), 200);
      assert.deepEqual(customers.data.map((customer: { id: string }) => customer.id), [liveWallet.customerId]);
      const grants = expectStatus(await api.get('/v1/grants', { key: api.liveKey }), 200);
      assert.deepEqual(grants.data.map((grant: { id: string }) => grant.id), [liveGrant.id]);
    });

    it('cannot page a live list from a test cursor', async () => {
      const response = await api.get(`/v1/customers?startingAfter=${testWallet.customerId}`, { key: api.liveKey });
      expectError(response, { status: 400, code: 'validation_error', param: 'startingAfter' });
    });

    it('and the other way round: a test key gets 404 for live objects', async () => {
      expectError(await api.get(`/v1/customers/${liveWallet.customerId}`), { status: 404, code: 'not_found' });
      expectError(await api.get(`/v1/grants/${liveGrant.id}`), { status: 404, code: 'not_found' });
      const response = await api.expectNoWrites(() => api.post(`/v1/grants/${liveGrant.id}/void`, {}));
      expectError(response, { status: 404, code: 'not_found' });
      assert.equal(expectStatus(await api.get(`/v1/grants/${liveGrant.id}`, { key: api.liveKey }), 200).voidedAt, null);
    });
  });

  describe('the test clock', () => {
    it('is not available to a live key, and a refused advance changes nothing', async () => {
      const before = await api.now();
      expectError(await api.get('/v1/test-clock', { key: api.liveKey }), { status: 403, code: 'forbidden', type: 'permission_error' });
      const response = await api.expectNoWrites(() => api.post('/v1/test-clock/advance', { to: iso(before + HOUR) }, { key: api.liveKey }));
      expectError(response, { status: 403, code: 'forbidden', type: 'permission_error' });
      assert.equal(await api.now(), before, 'the test clock did not move');
      // The live environment keeps following the real clock.
      const liveNow = Date.now();
      const customer = await api.createCustomer({}, api.liveKey);
      assert.ok(Math.abs(Date.parse(customer.createdAt) - liveNow) < 60_000);
    });
  });
});

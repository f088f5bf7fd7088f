import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/** Extra test environments: each a fresh sandbox with its own frozen clock, deletable (not the default one). */
describe('test environments', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  const create = async (body: Json = {}) => expectStatus(await api.post('/v1/test-environments', body), 201);
  const remove = (id: string, key?: string) => api.request({ method: 'DELETE', url: `/v1/test-environments/${id}`, ...(key === undefined ? {} : { key }) });

  it('a new environment is an empty sandbox with its own key and its own frozen clock', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    const created = await create({ name: 'staging' });
    assert.match(created.id, /^env_/);
    assert.equal(created.object, 'test_environment');
    assert.equal(created.name, 'staging');
    assert.equal(created.default, false);
    assert.equal(created.deletedAt, null);
    assert.match(created.key, /^cb_test_[0-9A-Za-z]{32}$/);

    const own = { key: created.key };
    const clock = expectStatus(await api.get('/v1/test-clock', own), 200);
    assert.deepEqual(clock, { object: 'test_clock', frozen: true, now: created.clock });
    // Nothing of the default environment is visible: its customer is another environment's ID.
    assert.deepEqual(expectStatus(await api.get('/v1/customers', own), 200).data, []);
    expectError(await api.get(`/v1/customers/${wallet.customerId}`, own), { status: 404, code: 'not_found' });

    // Advancing one clock does not move the other.
    const defaultBefore = await api.now();
    const later = Date.parse(created.clock) + 3 * DAY;
    const advanced = expectStatus(await api.post('/v1/test-clock/advance', { to: iso(later) }, own), 200);
    assert.equal(advanced.now, iso(later));
    assert.equal(await api.now(), defaultBefore);

    const listed = expectStatus(await api.get('/v1/test-environments'), 200);
    const ids = listed.data.map((environment: Json) => environment.id);
    assert.equal(ids[0], 'env_default_test');
    assert.equal(listed.data[0].default, true);
    assert.ok(ids.includes(created.id));
    assert.equal(listed.data.find((environment: Json) => environment.id === created.id).clock, iso(later));
    assert.ok(!listed.data.some((environment: Json) => environment.id === 'env_default_live'), 'live environments are not listed');
  });

  it('deleting one stops its keys (401) and leaves the others untouched', async () => {
    const doomed = await create();
    const kept = await create();
    const keptCustomer = await api.createCustomer({}, kept.key);
    const doomedCustomer = await api.createCustomer({}, doomed.key);
    const portal = expectStatus(await api.post('/v1/portal-sessions', { customerId: doomedCustomer.id }, { key: doomed.key }), 201);
    const portalToken = portal.url.split('#')[1];
    expectStatus(await api.get('/v1/portal-session', { key: portalToken }), 200);

    const deleted = expectStatus(await remove(doomed.id, kept.key), 200);
    assert.equal(deleted.id, doomed.id);
    assert.notEqual(deleted.deletedAt, null);
    expectError(await api.get('/v1/customers', { key: doomed.key }), { status: 401, code: 'unauthenticated' });
    expectError(await api.get('/v1/test-clock', { key: doomed.key }), { status: 401, code: 'unauthenticated' });
    expectError(await api.get('/v1/portal-session', { key: portalToken }), { status: 401, code: 'unauthenticated' });

    const listed = expectStatus(await api.get('/v1/test-environments'), 200);
    assert.ok(!listed.data.some((environment: Json) => environment.id === doomed.id), 'a deleted environment is never shown again');
    assert.equal(expectStatus(await api.get(`/v1/customers/${keptCustomer.id}`, { key: kept.key }), 200).id, keptCustomer.id);
    expectStatus(await api.get('/v1/test-clock'), 200);
    // Deleting it again: it is gone.
    expectError(await api.expectNoWrites(() => remove(doomed.id)), { status: 404, code: 'not_found', param: 'id' });
  });

  it('refuses live keys, the default environment, unknown IDs and bad bodies, changing nothing', async () => {
    const { liveKey } = api;
    expectError(await api.expectNoWrites(() => api.post('/v1/test-environments', {}, { key: liveKey })), { status: 403, code: 'forbidden' });
    expectError(await api.get('/v1/test-environments', { key: liveKey }), { status: 403, code: 'forbidden' });
    expectError(await api.expectNoWrites(() => remove('env_default_test', liveKey)), { status: 403, code: 'forbidden' });

    expectError(await api.expectNoWrites(() => remove('env_default_test')), { status: 409, code: 'state_conflict', param: 'id' });
    expectError(await api.expectNoWrites(() => remove('env_default_live')), { status: 404, code: 'not_found', param: 'id' });
    expectError(await api.expectNoWrites(() => remove('env_nosuch')), { status: 404, code: 'not_found', param: 'id' });

    for (const body of [{ name: 5 }, { name: '' }, { name: 'x'.repeat(101) }, { mode: 'live' }]) {
      expectError(await api.expectNoWrites(() => api.post('/v1/test-environments', body)), { status: 400, code: 'validation_error' });
    }
    // Control characters, as in a key's name: a tab or a line break would forge columns or rows of `creditbook env list`.
    for (const [name, at] of [['staging\tenv_default_live', 'U+0009 at character 8'], ['a\nb', 'U+000A at character 2'], ['del\u007f', 'U+007F at character 4']]) {
      for (const route of ['/v1/test-environments', '/v1/api-keys']) {
        const refused = await api.expectNoWrites(() => api.post(route, { name }));
        expectError(refused, { status: 400, code: 'validation_error', param: 'name', message: `'name' must not contain control characters (U+0000 to U+001F, U+007F to U+009F); it has ${at}.` });
      }
    }
    const readOnly = expectStatus(await api.post('/v1/api-keys', { scopes: ['read'] }), 201).key;
    expectError(await api.expectNoWrites(() => api.post('/v1/test-environments', {}, { key: readOnly })), { status: 403, code: 'forbidden' });
  });
});

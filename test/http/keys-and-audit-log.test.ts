import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { expectError, expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Restricted keys made, listed and revoked through the API, and the audit log
 * every write leaves, against the real server (in-process, SQLite). The
 * append-only triggers are proven on both stores in test/store-contract/audit-log.test.ts.
 */
describe('restricted API keys and the audit log', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  const createKey = async (body: Record<string, unknown>, key?: string): Promise<Json> => expectStatus(await api.post('/v1/api-keys', body, key === undefined ? {} : { key }), 201);

  it('creates a scoped key once, lists it without the key, and records when it was last used', async () => {
    const created = await createKey({ name: 'dashboard', scopes: ['read'] });
    assert.match(created.key, /^cb_test_[A-Za-z0-9]{32}$/);
    assert.deepEqual(created.scopes, ['read']);
    assert.equal(created.name, 'dashboard');
    assert.equal(created.lastUsedAt, null);
    assert.equal(created.prefix, created.key.slice(0, 12));

    expectStatus(await api.get('/v1/customers', { key: created.key }), 200);
    const listed = expectStatus(await api.get('/v1/api-keys?limit=100'), 200);
    const mine = listed.data.find((key: Json) => key.id === created.id);
    assert.ok(mine, 'the new key is listed');
    assert.equal(mine.key, undefined, 'a listed key never shows the key itself');
    assert.deepEqual(Object.keys(mine).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'object', 'prefix', 'revokedAt', 'scopes']);
    assert.ok(mine.lastUsedAt !== null && Date.parse(mine.lastUsedAt) >= Date.parse(mine.createdAt), 'using the key sets lastUsedAt');
    assert.ok(listed.data.every((key: Json) => key.prefix.startsWith('cb_test_')), 'a test key lists only test keys');
  });

  it('refuses a key without the scope with 403 naming it, and writes nothing', async () => {
    const { key } = await createKey({ scopes: ['read'] });
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    const refused = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '1' }, { key }));
    const error = expectError(refused, { status: 403, code: 'forbidden', type: 'permission_error', message: "'debits:write'" });
    assert.deepEqual(error.details, { requiredScope: 'debits:write' });
    expectStatus(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}`, { key }), 200);

    const debitsOnly = (await createKey({ scopes: ['debits:write'] })).key;
    expectStatus(await api.post('/v1/debits', { ...wallet, amount: '1' }, { key: debitsOnly }), 201);
    expectError(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}`, { key: debitsOnly }), { status: 403, code: 'forbidden', message: "'read'" });
    expectError(await api.get('/v1/audit-log', { key: debitsOnly }), { status: 403, code: 'forbidden', message: "'audit_log:read'" });
    expectError(await api.get('/v1/api-keys', { key: debitsOnly }), { status: 403, code: 'forbidden', message: "'keys:manage'" });
  });

  it('a key can only grant scopes it holds, refuses unknown scopes, and revokes only keys of its environment', async () => {
    const manager = (await createKey({ name: 'key manager', scopes: ['keys:manage', 'read'] })).key;
    expectError(await api.expectNoWrites(() => api.post('/v1/api-keys', { scopes: ['all'] }, { key: manager })), { status: 403, code: 'forbidden', param: 'scopes', message: "'all'" });
    expectError(await api.expectNoWrites(() => api.post('/v1/api-keys', { scopes: ['grants:write'] }, { key: manager })), { status: 403, code: 'forbidden', message: "'grants:write'" });
    expectError(await api.expectNoWrites(() => api.post('/v1/api-keys', { scopes: ['root'] })), { status: 400, code: 'validation_error', param: 'scopes.0' });
    expectError(await api.expectNoWrites(() => api.post('/v1/api-keys', { scopes: [] })), { status: 400, code: 'validation_error', param: 'scopes' });
    const reader = await createKey({ scopes: ['read'] }, manager);
    assert.deepEqual(reader.scopes, ['read']);

    const live = expectStatus(await api.post('/v1/api-keys', { scopes: ['read'] }, { key: api.liveKey }), 201);
    assert.match(live.key, /^cb_live_/, "a key made with a live key is a live key");
    expectError(await api.expectNoWrites(() => api.post(`/v1/api-keys/${live.id}/revoke`, {})), { status: 404, code: 'not_found', param: 'id' });

    const revoked = expectStatus(await api.post(`/v1/api-keys/${reader.id}/revoke`, {}, { key: manager }), 200);
    assert.ok(revoked.revokedAt !== null);
    expectError(await api.post(`/v1/api-keys/${reader.id}/revoke`, {}), { status: 404, code: 'not_found' });
    // The key was used (and remembered) just before: on SQLite the very next request is refused.
    expectError(await api.get('/v1/customers', { key: reader.key }), { status: 401, code: 'unauthenticated' });
  });

  it('records every write with key, operation, object, request id, client address and time; not failures or replays', async () => {
    const writer = await createKey({ name: 'writer', scopes: ['customers:write', 'grants:write', 'debits:write'] });
    const wallet = await api.wallet({ key: writer.key });
    const granted = await api.post('/v1/grants', { ...wallet, amount: '5' }, { key: writer.key });
    const grant = expectStatus(granted, 201);
    const before = Date.now();
    const debited = await api.post('/v1/debits', { ...wallet, amount: '2' }, { key: writer.key, idempotencyKey: 'audit-debit' });
    const debit = expectStatus(debited, 201);
    expectStatus(await api.post('/v1/debits', { ...wallet, amount: '2' }, { key: writer.key, idempotencyKey: 'audit-debit' }), 201);
    expectError(await api.post('/v1/debits', { ...wallet, amount: '50' }, { key: writer.key }), { status: 402, code: 'insufficient_balance' });

    const log = expectStatus(await api.get(`/v1/audit-log?apiKeyId=${writer.id}&limit=100`), 200);
    const operations = log.data.map((entry: Json) => [entry.operation, entry.objectId]).reverse();
    assert.deepEqual(operations, [
      ['POST /v1/units', wallet.unit],
      ['POST /v1/customers', wallet.customerId],
      ['POST /v1/grants', grant.id],
      ['POST /v1/debits', debit.id],
    ], 'one entry per write; the replay and the refused debit add none');
    const entry = log.data[0];
    assert.deepEqual(Object.keys(entry).sort(), ['apiKeyId', 'clientAddress', 'createdAt', 'id', 'object', 'objectId', 'operation', 'requestId']);
    assert.equal(entry.requestId, debited.headers['request-id']);
    assert.equal(entry.clientAddress, '127.0.0.1');
    assert.ok(Date.parse(entry.createdAt) >= before - 1000 && Date.parse(entry.createdAt) <= Date.now(), 'the wall-clock time of the write, not the frozen test clock');

    const byObject = expectStatus(await api.get(`/v1/audit-log?objectId=${grant.id}`), 200);
    assert.deepEqual(byObject.data.map((item: Json) => item.requestId), [granted.headers['request-id']]);
    const byOperation = expectStatus(await api.get(`/v1/audit-log?apiKeyId=${writer.id}&operation=${encodeURIComponent('POST /v1/debits')}`), 200);
    assert.deepEqual(byOperation.data.map((item: Json) => item.objectId), [debit.id]);
    const later = expectStatus(await api.get(`/v1/audit-log?apiKeyId=${writer.id}&createdFrom=${new Date(Date.now() + 60_000).toISOString()}`), 200);
    assert.deepEqual(later.data, []);
    const earlier = expectStatus(await api.get(`/v1/audit-log?apiKeyId=${writer.id}&createdBefore=${new Date(Date.now() + 60_000).toISOString()}&limit=2`), 200);
    assert.equal(earlier.data.length, 2);
    assert.equal(earlier.hasMore, true);
    expectError(await api.get('/v1/audit-log?createdFrom=yesterday'), { status: 400, code: 'validation_error', param: 'createdFrom' });

    const liveLog = expectStatus(await api.get(`/v1/audit-log?apiKeyId=${writer.id}`, { key: api.liveKey }), 200);
    assert.deepEqual(liveLog.data, [], "another environment's log is not visible");
  });

  it('the audit log cannot be changed or deleted, even through the database', async () => {
    expectStatus(await api.post('/v1/units', { code: api.unique('audited'), scale: 0 }), 201);
    const database = new Database(api.databasePath);
    try {
      assert.throws(() => database.prepare("UPDATE audit_log SET operation = 'forged'").run(), /append-only/);
      assert.throws(() => database.prepare('DELETE FROM audit_log').run(), /append-only/);
    } finally {
      database.close();
    }
    assert.ok(expectStatus(await api.get('/v1/audit-log'), 200).data.every((entry: Json) => entry.operation !== 'forged'));
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, runCli, startServe, type ServedProcess } from '../support/serve-process.ts';

/**
 * Two real `serve` processes on ONE SQLite file. Each remembers the keys it
 * authenticated (api-keys.ts); what one process changes must reach the other
 * on its very next request, through SQLite's data_version, with no time limit
 * to wait out.
 */
describe('two serve processes sharing a SQLite file see each other\'s key and environment changes at once', () => {
  let directory: string;
  let database: string;
  let first: ServedProcess;
  let second: ServedProcess;
  let testKey: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'creditbook-shared-file-'));
    database = join(directory, 'shared.db');
    first = await startServe({ database });
    testKey = first.testKey!;
    second = await startServe({ database });
  });

  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses on the second process a key revoked through the first, on the request right after', async () => {
    const created = await apiClient(first.baseUrl, testKey)('POST', '/v1/api-keys', { name: 'shared' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const onSecond = apiClient(second.baseUrl, created.body.key);
    for (let use = 0; use < 3; use += 1) assert.equal((await onSecond('GET', '/v1/customers')).status, 200);
    const revoked = await apiClient(first.baseUrl, testKey)('POST', `/v1/api-keys/${created.body.id}/revoke`, {});
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const refused = await onSecond('GET', '/v1/customers');
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'unauthenticated');
  });

  it('refuses on the second process a key revoked by the CLI (a third process)', async () => {
    const created = await apiClient(first.baseUrl, testKey)('POST', '/v1/api-keys', { name: 'cli-revoked' });
    const onSecond = apiClient(second.baseUrl, created.body.key);
    assert.equal((await onSecond('GET', '/v1/customers')).status, 200);
    const cli = runCli(['keys', 'revoke', created.body.id, '--db', database]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal((await onSecond('GET', '/v1/customers')).status, 401);
  });

  it('shows on the second process a test clock moved through the first, and refuses its keys once the environment is deleted', async () => {
    const made = await apiClient(first.baseUrl, testKey)('POST', '/v1/test-environments', { name: 'shared clock' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const onFirst = apiClient(first.baseUrl, made.body.key);
    const onSecond = apiClient(second.baseUrl, made.body.key);
    const before = await onSecond('GET', '/v1/test-clock');
    assert.equal(before.status, 200);
    const to = new Date(Date.parse(before.body.now) + 86_400_000).toISOString();
    assert.equal((await onFirst('POST', '/v1/test-clock/advance', { to })).status, 200);
    assert.equal((await onSecond('GET', '/v1/test-clock')).body.now, to);
    assert.equal((await apiClient(first.baseUrl, testKey)('DELETE', `/v1/test-environments/${made.body.id}`)).status, 200);
    assert.equal((await onSecond('GET', '/v1/test-clock')).status, 401);
  });
});

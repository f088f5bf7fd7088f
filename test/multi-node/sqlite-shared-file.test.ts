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
  it('rates a check on the second process with a price version created through the first, on the check right after', async () => {
    const onFirst = apiClient(first.baseUrl, testKey);
    const onSecond = apiClient(second.baseUrl, testKey);
    const ok = (response: { status: number; body: any }) => {
      assert.ok(response.status === 200 || response.status === 201, JSON.stringify(response.body));
      return response.body;
    };
    ok(await onFirst('POST', '/v1/units', { code: 'shared_tokens', scale: 2 }));
    ok(await onFirst('POST', '/v1/features', { key: 'shared-feature', quantityScale: 0 }));
    ok(await onFirst('POST', '/v1/prices', { feature: 'shared-feature', unit: 'shared_tokens', amount: '1', per: '1000' }));
    const customerId = ok(await onFirst('POST', '/v1/customers', {})).id;
    ok(await onFirst('POST', '/v1/grants', { customerId, unit: 'shared_tokens', amount: '100' }));
    const cost = async () => ok(await onSecond('POST', '/v1/entitlements/check', { customerId, feature: 'shared-feature', quantity: 1000 })).cost;
    assert.deepEqual([await cost(), await cost()], ['1', '1']);
    ok(await onFirst('POST', '/v1/prices', { feature: 'shared-feature', unit: 'shared_tokens', amount: '2', per: '1000' }));
    assert.equal(await cost(), '2');
  });

  it('debit one wallet from both processes, alternately and concurrently: exact balances, no double-spend, verify clean', async () => {
    const onFirst = apiClient(first.baseUrl, testKey);
    const onSecond = apiClient(second.baseUrl, testKey);
    assert.equal((await onFirst('POST', '/v1/units', { code: 'shared', scale: 2 })).status, 201);
    const customer = await onFirst('POST', '/v1/customers', {});
    const wallet = { customerId: customer.body.id, unit: 'shared' };
    assert.equal((await onFirst('POST', '/v1/grants', { ...wallet, amount: '100.00' })).status, 201);
    const available = async (client: typeof onFirst) => (await client('GET', `/v1/balances?customerId=${wallet.customerId}&unit=shared`)).body.available;

    // Alternately: each process remembers the state its last debit left (and answers its balance from it), and the
    // other's debit in between must make it forget: a balance read there must not answer from the stale state.
    const left = ['97.5', '95', '92.5', '90', '87.5', '85'];
    for (const [round, expected] of left.entries()) {
      const [client, other] = round % 2 === 0 ? [onFirst, onSecond] : [onSecond, onFirst];
      assert.equal((await client('POST', '/v1/debits', { ...wallet, amount: '1.25' })).status, 201);
      assert.equal((await client('POST', '/v1/debits', { ...wallet, amount: '1.25' })).status, 201);
      assert.equal(await available(client), expected);
      assert.equal(await available(other), expected);
    }
    // On the first process's remembered state 80 would fit (85 left); in truth the second left less once it spends 10 more.
    assert.equal((await onSecond('POST', '/v1/debits', { ...wallet, amount: '10.00' })).status, 201);
    const tooMuch = await onFirst('POST', '/v1/debits', { ...wallet, amount: '80.00' });
    assert.equal(tooMuch.status, 402, JSON.stringify(tooMuch.body));
    assert.equal(await available(onFirst), '75');

    // Concurrently: 160 debits of 0.50 on 75.00, half through each process: exactly 150 succeed.
    const results = await Promise.all(
      Array.from({ length: 160 }, (_, index) => (index % 2 === 0 ? onFirst : onSecond)('POST', '/v1/debits', { ...wallet, amount: '0.50' })),
    );
    const statuses = results.map((result) => result.status);
    assert.equal(statuses.filter((status) => status === 201).length, 150, JSON.stringify(results.find((result) => result.status !== 201 && result.status !== 402)?.body));
    assert.equal(statuses.filter((status) => status === 402).length, 10);
    assert.equal(await available(onFirst), '0');
    assert.equal(await available(onSecond), '0');
    const verify = runCli(['verify', '--db', database]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, / 0 problems/);
  });
});

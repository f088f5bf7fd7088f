import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, startServe, type ServedProcess } from '../support/serve-process.ts';

/** A free TCP port, closed again: a receiver that refuses connections. */
async function refusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Operating a real `serve` (issue 11, item 4): every port logs and counts alike,
 * with unique request IDs and a Request-Id header; webhook failures are logged
 * and counted; operations are counted by outcome.
 */
describe('operating: logs and metrics on every surface', () => {
  let directory: string;
  let served: ServedProcess;
  let call: ReturnType<typeof apiClient>;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'creditbook-operating-'));
    served = await startServe({
      database: join(directory, 'operating.db'),
      args: ['--chargebee-port', '0', '--stripe-port', '0'],
      env: { LOG_LEVEL: 'info', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '200', WEBHOOK_MAX_ATTEMPTS: '2', BACKGROUND_INTERVAL_MS: '100' },
    });
    call = apiClient(served.baseUrl, served.testKey!);
  });

  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const metrics = async () => (await fetch(`${served.baseUrl}/metrics`)).text();

  it('dialect ports answer with unique req_ Request-Ids, log JSON lines like the main port, and are counted in /metrics', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${served.testKey}:`).toString('base64')}` };
    const chargebee = await fetch(`${served.dialectUrls.chargebee}/api/v2/ledger_operations?subscription_id[is]=sub_1`, { headers: auth });
    const stripe = await fetch(`${served.dialectUrls.stripe}/v1/customers/cus_missing`, { headers: { authorization: `Bearer ${served.testKey}` } });
    const native = await fetch(`${served.baseUrl}/v1/units`, { headers: { authorization: `Bearer ${served.testKey}` } });
    const ids = [chargebee, stripe, native].map((response) => response.headers.get('request-id'));
    for (const id of ids) assert.match(id ?? '', /^req_[0-9a-z]{26}$/);
    assert.equal(new Set(ids).size, 3, 'request IDs never repeat across ports');
    await until(async () => ids.every((id) => served.streams().stdout.includes(id!)), 'the log lines');
    const lines = served.streams().stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    for (const id of ids) {
      const line = lines.find((entry) => entry.requestId === id);
      assert.ok(line, `a log line for ${id}`);
      assert.equal(line.msg, 'request');
      assert.equal(typeof line.statusCode, 'number');
    }
    const text = await metrics();
    assert.match(text, /creditbook_http_request_duration_seconds_count\{surface="chargebee",method="GET",route="\/api\/v2\/ledger_operations",status="\d+"\} 1/);
    assert.match(text, /creditbook_http_request_duration_seconds_count\{surface="stripe",method="GET",route="\/v1\/customers\/:id",status="404"\} 1/);
    assert.match(text, /creditbook_http_request_duration_seconds_count\{surface="native",method="GET",route="\/v1\/units",status="200"\} 1/);
  });

  it('counts operations by outcome: ok, insufficient_balance, replayed', async () => {
    expectOk(await call('POST', '/v1/units', { code: 'ops', scale: 0 }));
    expectOk(await call('POST', '/v1/customers', { id: 'ops_customer' }));
    expectOk(await call('POST', '/v1/grants', { customerId: 'ops_customer', unit: 'ops', amount: '5' }));
    expectOk(await call('POST', '/v1/debits', { customerId: 'ops_customer', unit: 'ops', amount: '2' }, { 'idempotency-key': 'ops-1' }));
    expectOk(await call('POST', '/v1/debits', { customerId: 'ops_customer', unit: 'ops', amount: '2' }, { 'idempotency-key': 'ops-1' }));
    assert.equal((await call('POST', '/v1/debits', { customerId: 'ops_customer', unit: 'ops', amount: '50' })).status, 402);
    const text = await metrics();
    const count = (outcome: string) => Number(new RegExp(`creditbook_operations_total\\{surface="native",operation="POST /v1/debits",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    assert.deepEqual({ ok: count('ok'), replayed: count('replayed'), insufficient: count('insufficient_balance') }, { ok: 1, replayed: 1, insufficient: 1 });
  });

  it('a webhook receiver that refuses connections is logged per attempt and counted, and the backlog drains', async () => {
    const port = await refusedPort();
    expectOk(await call('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['grant.*'] }));
    expectOk(await call('POST', '/v1/grants', { customerId: 'ops_customer', unit: 'ops', amount: '1' }));
    // The backlog gauge is set after the attempt is counted: wait for both, as an operator's alert would.
    await until(async () => {
      const text = await metrics();
      return /creditbook_webhook_attempts_total\{outcome="failed"\} [1-9]/.test(text) && /creditbook_webhook_backlog 0/.test(text);
    }, 'the last attempt to fail and the backlog to drain');
    const text = await metrics();
    assert.match(text, /creditbook_webhook_attempts_total\{outcome="retrying"\} [1-9]/);
    assert.match(text, /creditbook_webhook_attempt_duration_seconds_count\{outcome="failed"\} [1-9]/);
    assert.match(text, /creditbook_webhook_backlog 0/);
    const failureLines = () =>
      served
        .streams()
        .stdout.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((line) => line.webhook);
    // The log is written at most LOG_FLUSH_INTERVAL_MS after the counters move.
    const firstDeliveryAttempts = () => failureLines().filter((line, _index, all) => line.webhook.deliveryId === all[0].webhook.deliveryId);
    await until(async () => firstDeliveryAttempts().length >= 2, 'a log line per failed attempt');
    const failures = failureLines();
    // Events written before the endpoint existed may also fan out to it, so follow one delivery's attempts.
    assert.deepEqual(firstDeliveryAttempts().map((line) => line.webhook.attempt).slice(0, 2), [1, 2]);
    assert.ok(failures.every((line) => line.level === 40 && /webhook delivery attempt \d failed: connection (refused|failed)/.test(line.msg)), JSON.stringify(failures[0]));
  });
});

describe('operating: the log is buffered but never lost', () => {
  it('writes a request line while the server stays up, and the lines of a burst stopped at once by SIGTERM', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'creditbook-log-'));
    const served = await startServe({ database: join(directory, 'log.db'), env: { LOG_LEVEL: 'info' } });
    try {
      const first = await fetch(`${served.baseUrl}/v1/units`, { headers: { authorization: `Bearer ${served.testKey}` } });
      const firstId = first.headers.get('request-id')!;
      // One line is far less than a buffer's worth: it is written by the periodic flush, with the server still up.
      await until(async () => served.streams().stdout.includes(firstId), 'the lone request line');
      const burst = await Promise.all(Array.from({ length: 20 }, () => fetch(`${served.baseUrl}/v1/units`, { headers: { authorization: `Bearer ${served.testKey}` } })));
      const burstIds = burst.map((response) => response.headers.get('request-id')!);
      await served.stop('SIGTERM');
      const logged = served.streams().stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      for (const id of burstIds) assert.ok(logged.some((line) => line.requestId === id && line.msg === 'request'), `the line of ${id}, logged just before shutdown`);
      assert.ok(logged.some((line) => line.msg === 'shutting down'), 'the shutdown line');
    } finally {
      await served.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

function expectOk(response: { status: number; body: unknown }): void {
  assert.ok(response.status < 300, `expected success, got ${response.status}: ${JSON.stringify(response.body)}`);
}

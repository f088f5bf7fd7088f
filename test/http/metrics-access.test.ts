import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { defaultConfiguration } from '../../src/cli/configuration.ts';
import { listenMetrics, Metrics } from '../../src/edge/metrics.ts';
import { buildServer } from '../../src/http/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

it('/metrics can require a bearer key, or move to its own address and leave the main port', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-metrics-'));
  const store = new SqliteStore(join(directory, 'metrics.db'));
  try {
    await store.migrate();
    const dependencies = composeDependencies(store, { configuration: defaultConfiguration() });
    const metrics = new Metrics({ backlog: async () => 0 });
    const guarded = await buildServer({ dependencies, logger: false, metrics, metricsAccess: { key: 'scrape-secret' } });
    const scrape = (authorization?: string) => guarded.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    const open = await scrape();
    assert.equal(open.statusCode, 401);
    assert.equal(open.json().error.code, 'unauthenticated');
    assert.equal(open.headers['www-authenticate'], 'Bearer realm="metrics"');
    assert.equal((await scrape('Bearer wrong')).statusCode, 401);
    const allowed = await scrape('Bearer scrape-secret');
    assert.equal(allowed.statusCode, 200);
    assert.match(allowed.body, /creditbook_http_request_duration_seconds/);
    await guarded.close();

    const moved = await buildServer({ dependencies, logger: false, metrics, metricsAccess: { ownAddress: true } });
    assert.equal((await moved.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the main port');
    const own = await listenMetrics(metrics, { host: '127.0.0.1', port: 0, key: 'scrape-secret' });
    try {
      assert.equal((await fetch(`${own.address}/metrics`)).status, 401);
      const response = await fetch(`${own.address}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /process_cpu_seconds_total/);
    } finally {
      await own.server.close();
      await moved.close();
    }
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

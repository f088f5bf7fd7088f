import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createApiKey } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { buildServer } from '../../src/http/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

it('answers 429 with Retry-After past the per-key rate, and writes nothing', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-rate-'));
  const store = new SqliteStore(join(directory, 'rate.db'));
  try {
    await store.migrate();
    const dependencies = composeDependencies(store);
    const { key } = await createApiKey(dependencies, 'test');
    const { key: otherKey } = await createApiKey(dependencies, 'test');
    const server = await buildServer({ dependencies, logger: false, rateLimitPerSecond: 2 });
    const createUnit = (apiKey: string, code: string) =>
      server.inject({ method: 'POST', url: '/v1/units', headers: { authorization: `Bearer ${apiKey}` }, payload: { code, scale: 0 } });
    assert.equal((await createUnit(key, 'first')).statusCode, 201);
    assert.equal((await createUnit(key, 'second')).statusCode, 201);
    const limited = await createUnit(key, 'third');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '1');
    const body = limited.json();
    assert.equal(body.error.code, 'rate_limited');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(body.error.requestId, limited.headers['request-id']);
    assert.equal((await createUnit(otherKey, 'fourth')).statusCode, 201, 'the limit is per key');
    const units = await store.read((repository) => repository.accounts.listUnits('env_default_test'));
    assert.deepEqual(units.map((unit) => unit.code).sort(), ['first', 'fourth', 'second']);
    await server.close();
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

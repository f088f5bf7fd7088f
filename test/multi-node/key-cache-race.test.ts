import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ApiKeyAuthenticator, createApiKey } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * A key revoked by another process while a request that read it as valid is
 * still in flight (waiting on its last-used write) must not be remembered as
 * valid: the next request is refused, not accepted for the cache's 2 s.
 */
describe('API key cache across processes on one SQLite file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-key-race-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('a revoke committed by another process while a request was authenticating refuses the next request', async () => {
    const file = join(directory, 'keys.db');
    const store = new SqliteStore(file);
    try {
      await store.migrate();
      const dependencies = composeDependencies(store);
      const { key, record } = await createApiKey(dependencies, 'live');
      const authenticator = new ApiKeyAuthenticator(dependencies);

      // Hold the first write transaction (the key's last-used touch), as a busy group commit would.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const transaction = store.transaction.bind(store);
      let held = false;
      store.transaction = (async (...args: Parameters<typeof transaction>) => {
        if (!held) {
          held = true;
          await gate;
        }
        return transaction(...args);
      }) as typeof store.transaction;

      const inFlight = authenticator.authenticate(key); // reads the key as valid, then waits on its touch
      await new Promise((resolve) => setTimeout(resolve, 20));
      const otherProcess = new Database(file);
      otherProcess.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(Date.now(), record.id);
      otherProcess.close();
      await assert.rejects(authenticator.authenticate(key), /revoked/, 'a request after the revoke is refused');
      release();
      await inFlight; // it read the key before the revoke: accepting it is fine
      await assert.rejects(authenticator.authenticate(key), /revoked/, 'and so is every later one: the in-flight read is not remembered as valid');
    } finally {
      await store.close();
    }
  });
});

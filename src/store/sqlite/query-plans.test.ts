import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.ts';

/** The hot path must never scan a wallet's history: pin the indexes the planner picks for it. */
it('loads live grants and active holds through their partial indexes', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-plan-'));
  try {
    const path = join(directory, 'plan.db');
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    const database = new Database(path, { readonly: true });
    const plan = (sql: string) => (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join(' | ');
    assert.match(plan("SELECT id FROM grants WHERE wallet_id = 'w' AND live = 1"), /USING (COVERING )?INDEX grants_live/);
    assert.match(plan("SELECT * FROM holds WHERE wallet_id = 'w' AND status = 'active'"), /USING INDEX holds_active/);
    database.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

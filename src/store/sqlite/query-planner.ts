import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.ts';

/*
 * For tests only (query-plans.test.ts, window-plans.test.ts): SQLite's query planner on the real schema, to pin the
 * index each of the repository's statements takes, as recorded from a repository over a recording executor.
 */


/** Runs `check` with a read-only connection to a freshly migrated database and its query planner. */
export async function withPlanner(check: (plan: (sql: string, params?: readonly unknown[]) => string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-plan-'));
  try {
    const path = join(directory, 'plan.db');
    const store = new SqliteStore(path);
    await store.migrate();
    await store.close();
    const database = new Database(path, { readonly: true });
    try {
      await check((sql, params = []) => (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail).join(' | '));
    } finally {
      database.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

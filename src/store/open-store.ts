import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store } from './port.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export const DEFAULT_DATABASE = './creditbook.db';

/** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(database: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return new PostgresStore(database);
  }
  const path = resolve(database);
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(path);
}

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store } from './port.ts';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.ts';

export const DEFAULT_DATABASE = './creditbook.db';

/** A database that does not exist, opened by a command that must not create one. */
export class MissingDatabaseError extends Error {}

const isPostgresUrl = (database: string) => /^postgres(ql)?:\/\//.test(database);

/**
 * `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path.
 * With `create: false` a SQLite file that does not exist is a MissingDatabaseError
 * (a PostgreSQL database is never created: the server refuses an unknown one);
 * `sqlite` tunes a SQLite store and is ignored for PostgreSQL.
 */
export async function openStore(database: string, options: { create?: boolean; sqlite?: SqliteStoreOptions } = {}): Promise<Store> {
  if (isPostgresUrl(database)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return new PostgresStore(database);
  }
  const path = resolve(database);
  if (options.create === false && !existsSync(path)) throw new MissingDatabaseError(`No database at ${path}.`);
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(path, options.sqlite);
}

/** The database as it may be shown or logged: a URL's password is replaced by `***`. */
export function describeDatabase(database: string): string {
  if (!isPostgresUrl(database)) return database;
  try {
    const url = new URL(database);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    // Not parseable as a URL: show only the scheme, never what might be a password.
    return `${database.split('://')[0]}://…`;
  }
}

/** PostgreSQL's answer for a database that does not exist (SQLSTATE 3D000). */
export function isMissingDatabase(error: unknown): boolean {
  return error instanceof MissingDatabaseError || (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3D000');
}

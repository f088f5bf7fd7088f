import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe } from 'node:test';
import type { Dialect } from '../../src/store/migrations/migrations.ts';
import type { Store } from '../../src/store/port.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { POSTGRES_ADMIN_URL, withAdminClient } from './postgres-admin.ts';

/**
 * Runs one test definition against every store: SQLite on a temp file and
 * PostgreSQL on a database created for the suite.
 *
 * - Each `forEachStore` call gets a fresh database per dialect, created in a
 *   `before` hook and removed in an `after` hook (which also runs when tests or
 *   the setup fail).
 * - PostgreSQL is found at $CREDITBOOK_TEST_POSTGRES_URL, default
 *   postgres://postgres@127.0.0.1:5432/postgres (a maintenance database the
 *   suite may create and drop databases from). Nothing is skipped: if
 *   PostgreSQL is unreachable, the PostgreSQL half fails with a message saying so.
 */

export interface OpenStoreOptions {
  /** Run migrations before handing the store out (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size; ignored on SQLite. */
  poolSize?: number;
}

export interface StoreTarget {
  readonly dialect: Dialect;
  /**
   * Opens a store on this suite's database. Every call opens a new one, as
   * another node would; all are closed when the test that opened them ends.
   */
  open(options?: OpenStoreOptions): Promise<Store>;
  /** The database as `openStore` takes it: the SQLite file path or the PostgreSQL URL. */
  location(): string;
}

/** One database of one dialect: opens stores on it and removes it at the end. */
interface TestDatabase {
  location: string;
  open(options: OpenStoreOptions): Store;
  drop(): Promise<void>;
}

interface Backend {
  dialect: Dialect;
  createDatabase(): Promise<TestDatabase>;
}

const sqliteBackend: Backend = {
  dialect: 'sqlite',
  async createDatabase() {
    const directory = mkdtempSync(join(tmpdir(), 'creditbook-contract-'));
    const path = join(directory, 'contract.db');
    return {
      location: path,
      open: () => new SqliteStore(path),
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  },
};

const postgresBackend: Backend = {
  dialect: 'postgres',
  async createDatabase() {
    const name = `creditbook_contract_${randomBytes(6).toString('hex')}`;
    await withAdminClient((client) =>
      client.query(`CREATE DATABASE ${name}`).catch((error: unknown) => {
        throw new Error(`Could not create the PostgreSQL test database ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }),
    );
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      location: url.toString(),
      open: (options) => new PostgresStore(url.toString(), options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      // FORCE ends connections a failed test may have left open (PostgreSQL 13+).
      drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    };
  },
};

const CLOSE_TIMEOUT_MS = 5000;

/** Closes and forgets every store in `stores`; a test that failed with a transaction still open would make close() wait forever, so it is bounded. */
async function closeAll(stores: Store[]): Promise<void> {
  const closing = await Promise.allSettled(stores.splice(0).map((store) => withTimeout(store.close(), CLOSE_TIMEOUT_MS, 'closing a store')));
  const failed = closing.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

function withTimeout<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Gave up ${what} after ${milliseconds} ms: a transaction never finished.`)), milliseconds);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const storeBackends: readonly Backend[] = [sqliteBackend, postgresBackend];

/** Defines `define`'s tests once per store, each group named `<name> [<dialect>]`. */
export function forEachStore(name: string, define: (target: StoreTarget) => void): void {
  for (const backend of storeBackends) forStore(backend.dialect, name, define);
}

/** Defines tests of one adapter only (behaviour the port does not promise for every store). */
export function forStore(dialect: Dialect, name: string, define: (target: StoreTarget) => void): void {
  const backend = storeBackends.find((candidate) => candidate.dialect === dialect)!;
  describe(`${name} [${backend.dialect}]`, () => {
    let database: TestDatabase | undefined;
    let setupError: unknown;
    const opened: Store[] = [];
    const created = (): TestDatabase => {
      // Every test of the group fails (never skips, never only "cancels") with the reason the database is missing.
      if (!database) throw setupError ?? new Error(`The ${backend.dialect} test database was not created.`);
      return database;
    };
    const target: StoreTarget = {
      dialect: backend.dialect,
      location: () => created().location,
      async open(options = {}) {
        const store = created().open(options);
        opened.push(store);
        if (options.migrate !== false) await store.migrate();
        return store;
      },
    };
    before(async () => {
      try {
        database = await backend.createDatabase();
      } catch (error) {
        setupError = error;
      }
    });
    // Each test's stores are closed when it ends, so a suite never holds more
    // connections than its busiest test (PostgreSQL's max_connections is shared).
    afterEach(() => closeAll(opened));
    after(async () => {
      try {
        await closeAll(opened);
      } finally {
        await database?.drop();
      }
    });
    define(target);
  });
}

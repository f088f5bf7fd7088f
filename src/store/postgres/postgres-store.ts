import pg from 'pg';
import { migrations, migrationSql } from '../migrations/migrations.ts';
import type { Store, StoreHealth } from '../port.ts';
import { Repository } from '../repository/repository.ts';
import type { StoreCapabilities } from '../sql-executor.ts';
import { PostgresExecutor, StatementCache } from './postgres-executor.ts';
import { Coalescer, type BatchOutcome, type CoalescedItem } from './coalescer.ts';
import { typeParsers } from './type-parsers.ts';

const capabilities: StoreCapabilities = { rowLocks: true, skipLocked: true, indexedBy: false };

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Key of the advisory lock that serialises migrations across every node
 * starting at once ("cbmigrat" in ASCII, as a bigint). Advisory locks are per
 * database, so this only ever contends with other Creditbook nodes.
 */
const MIGRATION_LOCK_KEY = '7161406656947052916';

/**
 * SQLSTATEs after which the whole transaction is run again:
 * - 40001 serialization failure and 40P01 deadlock: PostgreSQL asks for a retry.
 * - 23505 unique violation: a concurrent transaction inserted the same key
 *   first (an idempotency key, a wallet address, a customer's externalId).
 *   Running again sees the winner's row, so the loser replays the stored
 *   response or reports the conflict, exactly as if it had come second.
 */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '23505']);

export interface PostgresStoreOptions {
  /** Connections in the pool (default: the URL's `pool_size` parameter, else 10). */
  poolSize?: number;
  /** Attempts per transaction for retryable failures (default 3). */
  maxAttempts?: number;
  /** How long to wait for a connection, in ms (default 30 s; 0 waits forever). */
  connectionTimeoutMillis?: number;
}

/**
 * The server and distributed store: a pg connection pool, one connection per
 * transaction.
 *
 * - `transaction` runs at READ COMMITTED. Per-wallet serialisation comes from
 *   `SELECT … FOR UPDATE` on the wallet row (capability `rowLocks`); every
 *   later statement of the transaction starts a new snapshot and so sees what
 *   the previous lock holder committed. Retryable failures (see
 *   RETRYABLE_SQLSTATES) run the whole `work` again, up to `maxAttempts` times:
 *   `work` must not have effects outside the transaction (the app's do not).
 * - `read` runs in a REPEATABLE READ READ ONLY transaction, so a read of
 *   several statements (balance as of a time, verify) sees one snapshot.
 * - A resolved `transaction` has committed. It is durable as long as the
 *   server keeps synchronous_commit at its default (on); the store does not
 *   set it per session, since poolers such as PgBouncer reject startup options.
 */
export class PostgresStore implements Store {
  readonly capabilities = capabilities;
  private readonly pool: pg.Pool;
  private readonly statements = new StatementCache();
  private readonly maxAttempts: number;
  private readonly coalescer = new Coalescer((items) => this.runCoalesced(items));
  private closing: Promise<void> | undefined;

  /**
   * `connectionString` is a libpq-style URL. It may carry `pool_size=<n>`
   * (Creditbook's own parameter, removed before pg sees the URL), so a
   * deployment can size the pool from `--db` / DATABASE_URL alone.
   */
  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    const url = takePoolSize(connectionString);
    const poolSize = options.poolSize ?? url.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`Invalid PostgreSQL pool size: ${poolSize}`);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.pool = new pg.Pool({
      connectionString: url.connectionString,
      max: poolSize,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 30_000,
      types: typeParsers,
      application_name: 'creditbook',
    });
    // An idle connection that dies (server restart, network) must not crash the
    // process; the pool drops it and the next checkout opens a new one.
    this.pool.on('error', () => {});
  }

  async migrate(): Promise<number[]> {
    const client = await this.pool.connect();
    const onConnectionError = () => {};
    client.on('error', onConnectionError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // Held until COMMIT: nodes starting at once migrate one after another, and
      // every later one finds the work done.
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        // No parameters: the simple query protocol runs the whole multi-statement script.
        await client.query(migrationSql(migration, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      broken = await rollback(client);
      throw error;
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }

  async health(): Promise<StoreHealth> {
    const { rows } = await this.pool.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
    return { store: 'postgresql', migrationVersion: rows[0]?.version ?? 0 };
  }

  transaction<T>(work: (repository: Repository) => Promise<T>, options: { coalesceKey?: string } = {}): Promise<T> {
    if (options.coalesceKey === undefined) return this.withRetries({ begin: 'BEGIN ISOLATION LEVEL READ COMMITTED', work, retryWork: true });
    return this.coalescer.submit(options.coalesceKey, work);
  }

  /**
   * One transaction for a batch of coalesced works. A batch of one runs as a
   * plain transaction. In a larger batch each work runs in its own savepoint:
   * one that fails rolls back alone, and one that fails retryably (a unique
   * violation or deadlock) runs again in the same transaction, whose next
   * statements see what the other side committed.
   */
  private async runCoalesced(items: CoalescedItem[]): Promise<BatchOutcome[]> {
    const works = items.map((item) => item.work as (repository: Repository) => Promise<unknown>);
    if (works.length === 1) {
      try {
        return [{ ok: true, value: await this.transaction(works[0]!) }];
      } catch (error) {
        return [{ ok: false, error }];
      }
    }
    return this.withRetries({
      begin: 'BEGIN ISOLATION LEVEL READ COMMITTED',
      retryWork: true,
      work: async (repository, executor) => {
        const outcomes: BatchOutcome[] = [];
        for (const work of works) {
          for (let attempt = 1; ; attempt += 1) {
            await executor.run('SAVEPOINT coalesced');
            try {
              const value = await work(repository);
              await executor.run('RELEASE SAVEPOINT coalesced');
              outcomes.push({ ok: true, value });
              break;
            } catch (error) {
              await executor.run('ROLLBACK TO SAVEPOINT coalesced');
              if (attempt < this.maxAttempts && isRetryable(error)) continue;
              outcomes.push({ ok: false, error });
              break;
            }
          }
        }
        return outcomes;
      },
    });
  }

  read<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.withRetries({ begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work, retryWork: false });
  }

  /** Waits for checked-out connections to come back, then closes them all. Safe to call twice. */
  /** Other nodes commit without telling this one: callers keep their own time limits. */
  externalChanges(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /**
   * Runs `work` in a transaction, again after a retryable failure (only when
   * `retryWork`), and always again when the connection failed before COMMIT
   * was sent (for example a pooled connection the server had closed): the
   * server then rolled everything back, so running it again is safe.
   */
  private async withRetries<T>(input: {
    begin: string;
    work: (repository: Repository, executor: PostgresExecutor) => Promise<T>;
    retryWork: boolean;
  }): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.runInTransaction(input.begin, input.work, !input.retryWork);
      } catch (error) {
        const retry = neverCommitted.has(error as object) || (input.retryWork && isRetryable(error));
        if (attempt >= this.maxAttempts || !retry) throw error;
        if ((error as pg.DatabaseError).code !== '23505') await delay(Math.random() * 5 * attempt);
      }
    }
  }

  private async runInTransaction<T>(
    begin: string,
    work: (repository: Repository, executor: PostgresExecutor) => Promise<T>,
    readOnly: boolean,
  ): Promise<T> {
    const client = await this.pool.connect();
    // pg-pool listens for errors only on idle clients. A checked-out client whose
    // connection drops emits 'error', which would crash the process with no listener;
    // the failure itself reaches us through the query it breaks.
    const onConnectionError = () => {};
    client.on('error', onConnectionError);
    const executor = new PostgresExecutor(client, this.statements);
    let broken: Error | undefined;
    let phase: 'begin' | 'work' | 'commit' = 'begin';
    try {
      await client.query(begin);
      phase = 'work';
      const result = await work(new Repository(executor, capabilities), executor);
      phase = 'commit';
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = await rollback(client);
      // A write whose COMMIT failed on a lost connection may or may not have committed, so only
      // earlier failures are known to have written nothing. A read-only transaction never writes.
      const safe = phase === 'begin' || (broken !== undefined && (phase === 'work' || readOnly));
      if (safe && typeof error === 'object' && error !== null) neverCommitted.add(error);
      throw error;
    } finally {
      executor.close();
      client.removeListener('error', onConnectionError);
      // A connection whose ROLLBACK failed is in an unknown state: destroy it instead of reusing it.
      client.release(broken);
    }
  }
}

function takePoolSize(connectionString: string): { connectionString: string; poolSize: number | undefined } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { connectionString, poolSize: undefined };
  }
  const value = url.searchParams.get('pool_size');
  if (value === null) return { connectionString, poolSize: undefined };
  url.searchParams.delete('pool_size');
  return { connectionString: url.toString(), poolSize: Number(value) };
}

/** Rolls back; returns the error if that failed too (the connection is then unusable). */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Errors after which the transaction is known not to have committed anything, whatever the work was. */
const neverCommitted = new WeakSet<object>();

function isRetryable(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code !== undefined && RETRYABLE_SQLSTATES.has(error.code);
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

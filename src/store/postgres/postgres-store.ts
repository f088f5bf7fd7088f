import pg from 'pg';
import { migrations, migrationSql } from '../migrations/migrations.ts';
import type { CachedWalletState, CachedWalletWork, Store, StoreHealth } from '../port.ts';
import { Repository } from '../repository/repository.ts';
import type { StoreCapabilities } from '../sql-executor.ts';
import { StatementCache, type PostgresExecutor } from './postgres-executor.ts';
import { Coalescer, type BatchOutcome, type CoalescedItem } from './coalescer.ts';
import { DEFAULT_REMEMBERED_WALLETS, RememberedWallets } from '../remembered-wallets.ts';
import { attemptInTurn, refusedBeforeCommit, sendOneTrip, WALLET_VERSION_SQL } from './one-trip.ts';
import { rollback, withCheckedOutClient } from './checked-out-client.ts';
import { createConnectionPool, type ConnectionPoolOptions } from './connection-pool.ts';
import { DEFAULT_TURN_BUDGET, type TurnBudget } from '../turn-budget.ts';
import { isRetryable, RetryingTransactions } from './retrying-transactions.ts';
import { readSchemaRelations, UNKNOWN_RELATIONS, type SchemaRelations } from './schema-relations.ts';

const capabilities: StoreCapabilities = { rowLocks: true, skipLocked: true, indexedBy: false, mergesInserts: true, readsBlockEventLoop: false };

/**
 * Key of the advisory lock that serialises migrations across every node
 * starting at once ("cbmigrat" in ASCII, as a bigint). Advisory locks are per
 * database, so this only ever contends with other Creditbook nodes.
 */
const MIGRATION_LOCK_KEY = '7161406656947052916';

/** The pool's options (connection-pool.ts) and the store's own. */
export interface PostgresStoreOptions extends ConnectionPoolOptions {
  /** Attempts per transaction for retryable failures (default 3). */
  maxAttempts?: number;
  /** How many wallets' states to remember for one-round-trip operations (default 10,000; 0: none, every operation on today's path). */
  rememberWallets?: number;
  /**
   * How long a coalesced batch may compute on a remembered state in one turn before the rest wait for the next
   * batch (turn-budget.ts, default DEFAULT_TURN_BUDGET); tests give a clock of their own.
   */
  batchTurnBudget?: TurnBudget;
}

/**
 * The server and distributed store: a pg connection pool, one connection per
 * transaction.
 *
 * - `transaction` runs at READ COMMITTED. Per-wallet serialisation comes from
 *   `SELECT … FOR UPDATE` on the wallet row (capability `rowLocks`); every
 *   later statement of the transaction starts a new snapshot and so sees what
 *   the previous lock holder committed. Retryable failures
 *   (retrying-transactions.ts) run the whole `work` again, up to `maxAttempts`
 *   times: `work` must not have effects outside the transaction (the app's do not).
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
  private readonly transactions: RetryingTransactions;
  private readonly coalescer = new Coalescer((items, key) => this.runCoalesced(items, key));
  private readonly rememberedWallets: RememberedWallets;
  /** Counts what cachedWalletTransaction did, for tests and the bench. */
  readonly oneTripCounts = { oneTrip: 0, stale: 0, full: 0 };
  /**
   * The schema's foreign keys and triggers, which say across which statements
   * a one-trip message's INSERTs may merge (merged-inserts.ts). Read from the
   * catalog once, after migrating (or on the first one-trip batch of a store
   * that was not asked to migrate); until then they are incomplete, and
   * nothing merges.
   */
  private relations: SchemaRelations = UNKNOWN_RELATIONS;
  private readingRelations: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly turnBudget: TurnBudget;

  /** `connectionString` is a libpq-style URL, which may carry `pool_size=<n>` (connection-pool.ts). */
  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    this.pool = createConnectionPool(connectionString, options);
    this.transactions = new RetryingTransactions(this.pool, this.statements, capabilities, options.maxAttempts);
    this.rememberedWallets = new RememberedWallets(Math.max(0, options.rememberWallets ?? DEFAULT_REMEMBERED_WALLETS));
    this.turnBudget = options.batchTurnBudget ?? DEFAULT_TURN_BUDGET;
  }

  async migrate(): Promise<number[]> {
    const applied: number[] = [];
    await withCheckedOutClient(this.pool, async (client, markBroken) => {
      try {
        await client.query('BEGIN');
        // Held until COMMIT: nodes starting at once migrate one after another, and
        // every later one finds the work done.
        await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        );
        const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
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
      } catch (error) {
        await rollback(client, markBroken);
        throw error;
      }
    });
    await this.migratedRelations();
    return applied;
  }

  /** Reads the relations migrate() left, replacing any read before it. */
  private async migratedRelations(): Promise<void> {
    await this.readingRelations;
    this.readingRelations = undefined;
    await this.readRelations();
  }

  /**
   * Reads the relations unless a read is under way or done. A failed read
   * leaves them incomplete (the store works, without merging) and lets a
   * later batch try again.
   */
  private readRelations(): Promise<void> {
    this.readingRelations ??= readSchemaRelations(this.pool).then(
      (relations) => {
        this.relations = relations;
      },
      () => {
        this.readingRelations = undefined;
      },
    );
    return this.readingRelations;
  }

  /** The relations the one-trip path merges INSERTs by now, for tests. */
  currentRelations(): SchemaRelations {
    return this.relations;
  }

  async health(): Promise<StoreHealth> {
    const { rows } = await this.pool.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
    return { store: 'postgresql', migrationVersion: rows[0]?.version ?? 0 };
  }

  transaction<T>(work: (repository: Repository) => Promise<T>, options: { coalesceKey?: string } = {}): Promise<T> {
    if (options.coalesceKey === undefined) return this.transactions.run({ begin: 'BEGIN ISOLATION LEVEL READ COMMITTED', work, retryWork: true });
    return this.coalescer.submit(options.coalesceKey, work);
  }

  /**
   * One round trip when this process remembers the wallet's state: `attempt`
   * computes on it and its writes go as one guarded statement (one-trip.ts).
   * Otherwise, or when that fails, `full` runs as a coalesced transaction and
   * the state it leaves is remembered with the row version it wrote. Several
   * nodes stay as safe as with `transaction`: each write happens under the
   * wallet's row lock, on the row version its computation read.
   */
  cachedWalletTransaction<T, State extends CachedWalletState>(key: string, work: CachedWalletWork<T, State>): Promise<T> {
    return this.coalescer.submit(key, new CachedItem(work as unknown as CachedWalletWork<unknown, CachedWalletState>));
  }

  /** A batch of coalesced works on one key: on a remembered state when all may use one, else in one transaction. */
  private async runCoalesced(items: CoalescedItem[], key: string): Promise<BatchOutcome[]> {
    if (items.every((item) => item.work instanceof CachedItem)) {
      return this.runCached(key, items.map((item) => (item.work as CachedItem).work));
    }
    return this.runTogether(
      key,
      items.map((item) => (item.work instanceof CachedItem ? cachedFull(item.work.work) : plainWork(item.work as (repository: Repository) => Promise<unknown>))),
    );
  }

  /**
   * Works on one wallet in one transaction. A lone work runs as a plain
   * transaction. In a larger batch each work runs in its own savepoint: one
   * that fails rolls back alone, and one that fails retryably (a unique
   * violation or deadlock) runs again in the same transaction, whose next
   * statements see what the other side committed. Then the state the last
   * successful work left (when it says what that is) is remembered with the
   * row version this commit leaves.
   */
  private async runTogether(key: string, works: Array<(repository: Repository) => Promise<{ value: unknown; next: CachedWalletState | undefined }>>): Promise<BatchOutcome[]> {
    this.rememberedWallets.take(key);
    const run = async (repository: Repository, executor: PostgresExecutor) => {
      const outcomes: BatchOutcome[] = [];
      let latest: CachedWalletState | undefined;
      if (works.length === 1) {
        const { value, next } = await works[0]!(repository);
        outcomes.push({ ok: true, value });
        latest = next;
      } else {
        for (const work of works) {
          for (let attempt = 1; ; attempt += 1) {
            await executor.run('SAVEPOINT coalesced');
            try {
              const { value, next } = await work(repository);
              await executor.run('RELEASE SAVEPOINT coalesced');
              outcomes.push({ ok: true, value });
              latest = next;
              break;
            } catch (error) {
              // Rolled back to the savepoint: the state the previous work left stands.
              await executor.run('ROLLBACK TO SAVEPOINT coalesced');
              if (attempt < this.transactions.maxAttempts && isRetryable(error)) continue;
              outcomes.push({ ok: false, error });
              break;
            }
          }
        }
      }
      if (this.rememberedWallets.capacity === 0) latest = undefined;
      const version = latest && (await executor.get<{ version: string }>(WALLET_VERSION_SQL, [latest.wallet.id]))?.version;
      return { outcomes, latest, version };
    };
    try {
      const done = await this.transactions.run({ begin: 'BEGIN ISOLATION LEVEL READ COMMITTED', retryWork: true, work: run });
      this.rememberedWallets.remember(key, done.latest, done.version);
      return done.outcomes;
    } catch (error) {
      // A lone work's failure is its own; a batch's transaction failing fails every work in it.
      return works.map(() => ({ ok: false, error }));
    }
  }

  /**
   * A batch of cached works on one wallet. On a remembered state, each work's
   * `attempt` runs on the state the previous one left, and the writes of all
   * that succeeded go as one guarded statement (one-trip.ts). The works it did
   * not serve (an attempt that threw or declined, the whole statement refused)
   * then run on today's path, after it. The attempts run in one turn of the event
   * loop: once they have taken the turn's budget, the works not yet attempted get
   * no outcome here and go back to the front of the queue (Coalescer), so the
   * outcomes may be of a prefix of `works`.
   */
  private async runCached(key: string, works: Array<CachedWalletWork<unknown, CachedWalletState>>): Promise<BatchOutcome[]> {
    const outcomes: Array<BatchOutcome | undefined> = works.map(() => undefined);
    const remembered = this.rememberedWallets.take(key);
    // Not awaited: the batches before the read completes go unmerged rather than wait for it.
    if (!this.relations.complete) void this.readRelations();
    const turn = remembered && (await attemptInTurn(works, remembered.state, (writes) => new Repository(writes, capabilities), this.statements, this.turnBudget));
    if (turn && turn.spentAt !== undefined) outcomes.length = turn.spentAt;
    if (remembered && turn && turn.served.length > 0) {
      try {
        this.rememberedWallets.remember(key, turn.state, await sendOneTrip(this.pool, this.statements, remembered, turn.writes, this.relations));
        for (const { index, value } of turn.served) outcomes[index] = { ok: true, value };
        this.oneTripCounts.oneTrip += turn.served.length;
      } catch (error) {
        // Refused by the server: nothing was written, and today's path runs them below. Otherwise they fail with it, not retried.
        if (!refusedBeforeCommit(error)) for (const { index } of turn.served) outcomes[index] = { ok: false, error };
        else this.oneTripCounts.stale += turn.served.length;
      }
    }
    const rest = works.slice(0, outcomes.length).flatMap((work, index) => (outcomes[index] === undefined ? [{ work, index }] : []));
    if (rest.length > 0) {
      this.oneTripCounts.full += rest.length;
      const together = await this.runTogether(key, rest.map(({ work }) => cachedFull(work)));
      rest.forEach(({ index }, position) => (outcomes[index] = together[position]));
    }
    return outcomes as BatchOutcome[];
  }

  read<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.transactions.run({ begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work, retryWork: false });
  }

  /** Other nodes commit without telling this one: callers keep their own time limits. */
  externalChanges(): undefined {
    return undefined;
  }

  /** Waits for checked-out connections to come back, then closes them all. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/** A coalesced item that may run on a remembered wallet state. */
class CachedItem {
  constructor(readonly work: CachedWalletWork<unknown, CachedWalletState>) {}
}

function cachedFull(work: CachedWalletWork<unknown, CachedWalletState>): (repository: Repository) => Promise<{ value: unknown; next: CachedWalletState | undefined }> {
  return (repository) => work.full(repository);
}

/** A plain transaction's work, which leaves no state to remember. */
function plainWork(work: (repository: Repository) => Promise<unknown>): (repository: Repository) => Promise<{ value: unknown; next: undefined }> {
  return async (repository) => ({ value: await work(repository), next: undefined });
}

import pg from 'pg';
import { Repository } from '../repository/repository.ts';
import type { StoreCapabilities } from '../sql-executor.ts';
import { rollback, withCheckedOutClient } from './checked-out-client.ts';
import { PostgresExecutor, type StatementCache } from './postgres-executor.ts';

const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * SQLSTATEs after which the whole transaction is run again:
 * - 40001 serialization failure and 40P01 deadlock: PostgreSQL asks for a retry.
 * - 23505 unique violation: a concurrent transaction inserted the same key
 *   first (an idempotency key, a wallet address, a customer's externalId).
 *   Running again sees the winner's row, so the loser replays the stored
 *   response or reports the conflict, exactly as if it had come second.
 */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '23505']);

export function isRetryable(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code !== undefined && RETRYABLE_SQLSTATES.has(error.code);
}

/** Errors after which the transaction is known not to have committed anything, whatever the work was. */
const neverCommitted = new WeakSet<object>();

export interface TransactionRun<T> {
  /** The BEGIN statement, with its isolation level. */
  begin: string;
  work: (repository: Repository, executor: PostgresExecutor) => Promise<T>;
  /** Whether a retryable failure (RETRYABLE_SQLSTATES) runs `work` again; a read-only transaction says no. */
  retryWork: boolean;
}

/** Transactions on a connection checked out of the pool for each, run again when that is known to be safe. */
export class RetryingTransactions {
  /** Attempts per transaction, the first included (default 3, at least 1). */
  readonly maxAttempts: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly statements: StatementCache,
    private readonly capabilities: StoreCapabilities,
    maxAttempts: number | undefined,
  ) {
    this.maxAttempts = Math.max(1, maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  /**
   * Runs `work` in a transaction, again after a retryable failure (only when
   * `retryWork`), and always again when the connection failed before COMMIT
   * was sent (for example a pooled connection the server had closed): the
   * server then rolled everything back, so running it again is safe.
   */
  async run<T>(input: TransactionRun<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.runOnce(input.begin, input.work, !input.retryWork);
      } catch (error) {
        const retry = neverCommitted.has(error as object) || (input.retryWork && isRetryable(error));
        if (attempt >= this.maxAttempts || !retry) throw error;
        if ((error as pg.DatabaseError).code !== '23505') await delay(Math.random() * 5 * attempt);
      }
    }
  }

  private async runOnce<T>(begin: string, work: TransactionRun<T>['work'], readOnly: boolean): Promise<T> {
    return withCheckedOutClient(this.pool, async (client, markBroken) => {
      const executor = new PostgresExecutor(client, this.statements);
      let phase: 'begin' | 'work' | 'commit' = 'begin';
      try {
        await client.query(begin);
        phase = 'work';
        const result = await work(new Repository(executor, this.capabilities), executor);
        phase = 'commit';
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection whose ROLLBACK failed is in an unknown state: it is destroyed instead of reused.
        const rolledBack = await rollback(client, markBroken);
        // A write whose COMMIT failed on a lost connection may or may not have committed, so only
        // earlier failures are known to have written nothing. A read-only transaction never writes.
        const safe = phase === 'begin' || (!rolledBack && (phase === 'work' || readOnly));
        if (safe && typeof error === 'object' && error !== null) neverCommitted.add(error);
        throw error;
      } finally {
        executor.close();
      }
    });
  }
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

import pg from 'pg';
import { withCheckedOutClient } from './checked-out-client.ts';
import type { CachedWalletState, CachedWalletWork } from '../port.ts';
import type { RememberedWallet } from '../remembered-wallets.ts';
import type { Repository } from '../repository/repository.ts';
import { RecordedWrites } from '../recorded-writes.ts';
import { withMergedInserts } from './merged-inserts.ts';
import { withoutOverwrittenUpdates } from './overwritten-updates.ts';
import { PipelinedStatements, wireValue, type PipelinedStatement } from './pipelined-statements.ts';
import type { StatementCache } from './postgres-executor.ts';
import type { SchemaRelations } from './schema-relations.ts';
import { turnSpent, type TurnBudget } from '../turn-budget.ts';

/**
 * One wallet operation's writes as one round trip (PostgresStore.cachedWalletTransaction).
 *
 * The writes are the repository's own statements with their parameters,
 * recorded by `deferredWrites`, and sent as one pipelined message of prepared
 * statements (pipelined-statements.ts): PostgreSQL runs them as one implicit
 * transaction, so they commit together, and an error in any of them rolls all
 * of them back. Each is the repository's named prepared statement, shared with
 * `PostgresExecutor`, so the server binds a stored plan instead of parsing and
 * planning text. The first statement is the guard: it locks the wallet row (as
 * today's `SELECT … FOR UPDATE`) and divides by zero unless the row is still the
 * version (`xmin`) the cached state was read from, so a stale state writes
 * nothing. The last statement reads the row's new version.
 */

/**
 * Runs each work's `attempt` on the state the previous one left and collects
 * the writes of those it served. A work whose attempt throws or declines is not
 * served (an error computed on a state not yet checked is not the answer), and
 * one that leaves no state to go on from ends the turn. Once the attempts have
 * taken `budget` (turn-budget.ts), the works from `spentAt` on are not attempted:
 * they wait for a later batch.
 */
export async function attemptInTurn(
  works: ReadonlyArray<CachedWalletWork<unknown, CachedWalletState>>,
  from: CachedWalletState,
  repositoryOver: (writes: RecordedWrites<PipelinedStatement>) => Repository,
  statements: StatementCache,
  budget?: TurnBudget,
): Promise<{ writes: PipelinedStatement[]; served: Array<{ index: number; value: unknown }>; state: CachedWalletState | undefined; spentAt?: number }> {
  const writes: PipelinedStatement[] = [];
  const served: Array<{ index: number; value: unknown }> = [];
  let state: CachedWalletState | undefined = from;
  const started = budget?.now() ?? 0;
  for (const [index, work] of works.entries()) {
    if (!state) break;
    if (index > 0 && turnSpent(budget, started)) return { writes, served, state, spentAt: index };
    const deferred = deferredWrites(statements);
    const attempt: { value: unknown; next: CachedWalletState | undefined } | undefined = await work.attempt(repositoryOver(deferred), state).catch(() => undefined);
    if (!attempt) continue;
    writes.push(...deferred.statements);
    served.push({ index, value: attempt.value });
    state = attempt.next;
  }
  return { writes, served, state };
}

/**
 * Sends the writes on `remembered` as one message; resolves with the wallet
 * row's new version. An error for which `refusedBeforeCommit` holds means the server refused it (a stale
 * version, a key another node wrote first) and wrote nothing; any other error
 * (a lost connection) leaves unknown whether it committed.
 */
export async function sendOneTrip(
  pool: pg.Pool,
  statements: StatementCache,
  remembered: RememberedWallet,
  writes: readonly PipelinedStatement[],
  relations: SchemaRelations,
): Promise<string | undefined> {
  const message = new PipelinedStatements(oneTripStatements(statements, remembered.state.wallet.id, remembered.version, writes, relations));
  return withCheckedOutClient(pool, async (client, markBroken) => {
    try {
      client.query(message as unknown as pg.Submittable);
      const version = await message.result;
      return typeof version === 'string' ? version : undefined;
    } catch (error) {
      // A connection that failed other than by the server's refusal is not reused.
      if (!(error instanceof pg.DatabaseError)) markBroken(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  });
}

/**
 * Whether the server refused a one-trip message in a way that means nothing of
 * it was written: an error raised by one of its statements (or by its commit)
 * rolls the whole implicit transaction back. The SQLSTATE classes are data
 * exceptions (22: the guard's division by zero), integrity violations (23: a
 * used idempotency key), transaction rollbacks (40), syntax or access rules
 * (42), insufficient resources (53), program limits (54), object state (55)
 * and a cancelled statement (57014). Anything else (a connection lost, an
 * administrator's shutdown: 08, 57P0x) may come after the commit, so its
 * outcome is unknown and the operation must not run again.
 */
export function refusedBeforeCommit(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError) || error.code === undefined) return false;
  return ['22', '23', '40', '42', '53', '54', '55'].includes(error.code.slice(0, 2)) || error.code === '57014';
}

/**
 * Records an operation's writes as the repository's named prepared statements with their
 * parameters in text format. Every value is mapped now, so one that cannot be sent fails
 * this operation's attempt, not the whole message.
 */
export function deferredWrites(cache: StatementCache): RecordedWrites<PipelinedStatement> {
  return new RecordedWrites((sql, params) => {
    const { name, text } = cache.statement(sql, params.length);
    return { name, text, values: params.map(wireValue) };
  });
}

/** The wallet row's version; read in the transaction that last wrote the row, it is the version that commit leaves. */
export const WALLET_VERSION_SQL = 'SELECT xmin::text AS version FROM wallets WHERE id = ?';

/** Locks the wallet row and divides by zero unless it is still at the given version (`xmin`). */
export const GUARD_SQL = 'SELECT 1 / (SELECT count(*)::int FROM (SELECT 1 FROM wallets WHERE id = ? AND xmin = ?::xid FOR UPDATE) AS locked)';

/**
 * The message: guard, writes (less the UPDATEs a later one overwrites, and
 * with INSERTs into one table merged into multi-row INSERTs), then the wallet
 * row's new version (one row, column `version`). `relations` are the store's
 * keys and triggers (merged-inserts.ts).
 */
export function oneTripStatements(
  cache: StatementCache,
  walletId: string,
  version: string,
  writes: readonly PipelinedStatement[],
  relations: SchemaRelations,
): PipelinedStatement[] {
  const guard = cache.statement(GUARD_SQL, 2);
  const read = cache.statement(WALLET_VERSION_SQL, 1);
  return [{ name: guard.name, text: guard.text, values: [walletId, version] }, ...withMergedInserts(withoutOverwrittenUpdates(writes), cache, relations), { name: read.name, text: read.text, values: [walletId] }];
}

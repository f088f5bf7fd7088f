import pg from 'pg';
import type { CachedWalletState, CachedWalletWork } from '../port.ts';
import type { RememberedWallet } from '../remembered-wallets.ts';
import type { Repository } from '../repository/repository.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { rewritePlaceholders } from './postgres-executor.ts';

/**
 * One wallet operation's writes as one round trip (PostgresStore.cachedWalletTransaction).
 *
 * The writes are the repository's own statements, recorded by `DeferredWrites`
 * with their parameters written in as literals, and sent as one simple-protocol
 * query. PostgreSQL runs the statements of one query message as one implicit
 * transaction: they commit together, and an error in any of them rolls all of
 * them back. The first statement is the guard: it locks the wallet row (as
 * today's `SELECT … FOR UPDATE`) and divides by zero unless the row is still the
 * version (`xmin`) the cached state was read from, so a stale state writes
 * nothing. The last statement reads the row's new version.
 */

/**
 * Runs each work's `attempt` on the state the previous one left and collects
 * the writes of those it served. A work whose attempt throws or declines is not
 * served (an error computed on a state not yet checked is not the answer), and
 * one that leaves no state to go on from ends the turn.
 */
export async function attemptInTurn(
  works: ReadonlyArray<CachedWalletWork<unknown, CachedWalletState>>,
  from: CachedWalletState,
  repositoryOver: (writes: DeferredWrites) => Repository,
): Promise<{ writes: string[]; served: Array<{ index: number; value: unknown }>; state: CachedWalletState | undefined }> {
  const writes: string[] = [];
  const served: Array<{ index: number; value: unknown }> = [];
  let state: CachedWalletState | undefined = from;
  for (const [index, work] of works.entries()) {
    if (!state) break;
    const deferred = new DeferredWrites();
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
export async function sendOneTrip(pool: pg.Pool, remembered: RememberedWallet, writes: readonly string[]): Promise<string | undefined> {
  const results = (await pool.query(oneTripQuery(remembered.state.wallet.id, remembered.version, writes))) as unknown as pg.QueryResult[];
  const version = (results[results.length - 1]?.rows[0] as { version?: unknown } | undefined)?.version;
  return typeof version === 'string' ? version : undefined;
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

/** A write the repository made, with its parameters as literals. */
export class DeferredWrites implements SqlExecutor {
  readonly statements: string[] = [];

  all<Row>(_sql: string, _params?: readonly unknown[]): Promise<Row[]> {
    return Promise.reject(new Error('A one-round-trip wallet operation cannot read.'));
  }

  get<Row>(_sql: string, _params?: readonly unknown[]): Promise<Row | undefined> {
    return Promise.reject(new Error('A one-round-trip wallet operation cannot read.'));
  }

  /** Records the statement; the row count is not known until it runs, so no caller may depend on it. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const { text, parameterCount } = rewritePlaceholders(sql, (index) => literal(params[index - 1]));
    if (parameterCount !== params.length) {
      throw new Error(`SQL has ${parameterCount} placeholders but ${params.length} parameters were given: ${sql}`);
    }
    this.statements.push(text);
    return 1;
  }
}

/** The wallet row's version; read in the transaction that last wrote the row, it is the version that commit leaves. */
export const WALLET_VERSION_SQL = 'SELECT xmin::text AS version FROM wallets WHERE id = ?';

/** The query message: guard, writes, then the wallet row's new version (one row, column `version`). */
export function oneTripQuery(walletId: string, version: string, writes: readonly string[]): string {
  const wallet = literal(walletId);
  return [
    `SELECT 1 / (SELECT count(*)::int FROM (SELECT 1 FROM wallets WHERE id = ${wallet} AND xmin = ${literal(version)}::xid FOR UPDATE) AS locked)`,
    ...writes,
    rewritePlaceholders(WALLET_VERSION_SQL, () => wallet).text,
  ].join(';\n');
}

/**
 * A parameter written as an SQL literal. Every value is quoted (`'12'`, not
 * `12`), so PostgreSQL types it from its context exactly as it types a bound
 * parameter; `escapeLiteral` doubles quotes and backslashes.
 */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return `'${String(value)}'`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot write ${value} as an SQL literal.`);
    return `'${String(value)}'`;
  }
  throw new Error(`Cannot write a ${typeof value} as an SQL literal.`);
}

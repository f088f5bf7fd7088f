import type Database from 'better-sqlite3';
import type { SqlExecutor } from '../sql-executor.ts';

/**
 * The tables a remembered wallet state is made of (what `book` loads). A statement
 * that writes one of them, or that this cannot tell (a CTE, a trigger-free
 * pattern it does not know), may change a remembered state; one that only
 * writes elsewhere (outbox events, webhook deliveries, idempotency keys, the
 * audit log, the ledger and debits a wallet operation appends) cannot, so the
 * background loops that write those keep every remembered state.
 */
const WALLET_STATE_TABLES = new Set(['wallets', 'grants', 'holds', 'grant_schedules', 'wallet_settings']);
const WRITE_TARGET = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?[\s(]/i;

/** Whether a statement that writes may write a table a remembered wallet state is made of. */
export function mayWriteWalletState(sql: string): boolean {
  const target = WRITE_TARGET.exec(sql)?.[1];
  return target === undefined || WALLET_STATE_TABLES.has(target.toLowerCase());
}

export class SqliteExecutor implements SqlExecutor {
  private readonly statements = new Map<string, { statement: Database.Statement; writesWalletState: boolean }>();
  /** Called before every statement that may write (better-sqlite3's `readonly` is false for it). */
  beforeWrite: ((writesWalletState: boolean) => void) | undefined;

  constructor(private readonly database: Database.Database) {}

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.statement(sql).all(...normalise(params)) as Row[];
  }

  async get<Row>(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return this.statement(sql).get(...normalise(params)) as Row | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.runNow(sql, params);
  }

  /** `run`, synchronously: for writes replayed in a batch's transaction, where nothing else may run in between anyway. */
  runNow(sql: string, params: readonly unknown[]): number {
    return this.statement(sql).run(...normalise(params)).changes;
  }

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.database.prepare(sql);
      prepared = { statement, writesWalletState: !statement.readonly && mayWriteWalletState(sql) };
      this.statements.set(sql, prepared);
    }
    if (this.beforeWrite && !prepared.statement.readonly) this.beforeWrite(prepared.writesWalletState);
    return prepared.statement;
  }
}

function normalise(params: readonly unknown[]): readonly unknown[] {
  return params.includes(undefined) ? params.map((value) => (value === undefined ? null : value)) : params;
}

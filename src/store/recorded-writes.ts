import type { SqlExecutor } from './sql-executor.ts';

/** What every recorded write answers: one promise, made once, since nothing may depend on the count (see `run`). */
const RECORDED: Promise<number> = Promise.resolve(1);

/**
 * The writes of an operation computed on a remembered wallet state, recorded to
 * run later (SQLite: in the batch's transaction; PostgreSQL: as one message).
 * Such an operation reads nothing, so a read is refused. `record` turns a
 * statement into what the store will run; one it throws for (a value that cannot
 * be sent) fails this operation's attempt and records nothing.
 */
export class RecordedWrites<Entry> implements SqlExecutor {
  readonly statements: Entry[] = [];

  constructor(private readonly record: (sql: string, params: readonly unknown[]) => Entry) {}

  all<Row>(_sql: string, _params?: readonly unknown[]): Promise<Row[]> {
    return Promise.reject(new Error('An operation on a remembered wallet state cannot read.'));
  }

  get<Row>(_sql: string, _params?: readonly unknown[]): Promise<Row | undefined> {
    return Promise.reject(new Error('An operation on a remembered wallet state cannot read.'));
  }

  /** Forgets what was recorded, so the same recorder (and a Repository over it) serves the next attempt. */
  clear(): void {
    this.statements.length = 0;
  }

  /** Records the statement; its row count is not known until it runs, so no caller may depend on it. */
  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      this.statements.push(this.record(sql, params));
    } catch (error) {
      // Like any executor's: a statement that cannot be recorded fails as a rejected promise, not a throw.
      return Promise.reject(error);
    }
    return RECORDED;
  }
}

/**
 * What a dialect adapter provides to the shared repository: parameterised SQL
 * written with `?` placeholders (the PostgreSQL adapter rewrites them to $n).
 */
export interface SqlExecutor {
  all<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * Capability flags: the repository asks these instead of checking which
 * database it is on. Which database it is stays inside `store/`.
 */
export interface StoreCapabilities {
  /** `SELECT … FOR UPDATE` locks rows (PostgreSQL). SQLite serialises all writers instead. */
  rowLocks: boolean;
  /** `FOR UPDATE SKIP LOCKED` lets several nodes share background work. */
  skipLocked: boolean;
  /** `FROM table INDEXED BY index` pins the index a query uses (SQLite, whose planner has no statistics unless ANALYZE ran). */
  indexedBy: boolean;
  /**
   * A write message merges INSERTs of plain `VALUES (?, …)` rows into multi-row INSERTs (PostgreSQL's one-trip
   * batches, merged-inserts.ts): an INSERT whose VALUES hold an expression would not merge.
   */
  mergesInserts: boolean;
  /**
   * A read runs on the event loop's thread (better-sqlite3 is synchronous): a list whose filter no index serves is
   * walked in windows a turn apart (app/list-windows.ts). PostgreSQL's reads wait on a socket, the loop free
   * meanwhile, so its lists are one statement, planned with the table's statistics.
   */
  readsBlockEventLoop: boolean;
}

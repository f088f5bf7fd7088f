import type { Repository } from './repository/repository.ts';
import type { StoreCapabilities } from './sql-executor.ts';

export interface StoreHealth {
  store: 'sqlite' | 'postgresql';
  /** The highest migration version applied; 0 before any. */
  migrationVersion: number;
}

/**
 * The store port. The app needs nothing else from a database:
 * - `transaction` runs work atomically; when its promise resolves the work is
 *   durable (fsynced on SQLite, committed on PostgreSQL). If `work` throws,
 *   none of its writes remain.
 * - `read` sees committed data only.
 */
export interface Store {
  readonly capabilities: StoreCapabilities;
  migrate(): Promise<number[]>;
  /** What an operator's health check reports: which store, and the last migration applied. */
  health(): Promise<StoreHealth>;
  /**
   * `coalesceKey` names the row the work will serialise on (a wallet): stores
   * that can may run concurrent transactions with the same key together, in one
   * database transaction, each still succeeding or failing on its own.
   */
  transaction<T>(work: (repository: Repository) => Promise<T>, options?: { coalesceKey?: string }): Promise<T>;
  read<T>(work: (repository: Repository) => Promise<T>): Promise<T>;
  /**
   * A number that changes whenever another process may have committed to the
   * database since the last call (SQLite's `PRAGMA data_version`, one cheap
   * call); undefined when the store cannot tell without a round trip
   * (PostgreSQL: other nodes commit all the time).
   */
  externalChanges(): number | undefined;
  close(): Promise<void>;
}

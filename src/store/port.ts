import type { Repository } from './repository/repository.ts';
import type { StoreCapabilities } from './sql-executor.ts';

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
  /**
   * `coalesceKey` names the row the work will serialise on (a wallet): stores
   * that can may run concurrent transactions with the same key together, in one
   * database transaction, each still succeeding or failing on its own.
   */
  transaction<T>(work: (repository: Repository) => Promise<T>, options?: { coalesceKey?: string }): Promise<T>;
  read<T>(work: (repository: Repository) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

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
  /**
   * Optional: one wallet operation on a state this process remembers, with no
   * load (see CachedWalletWork): in one round trip on PostgreSQL, with no read on
   * SQLite. Runs with the same per-key serialisation as `transaction` with
   * `coalesceKey: key`.
   */
  cachedWalletTransaction?<T, State extends CachedWalletState>(key: string, work: CachedWalletWork<T, State>): Promise<T>;
  /**
   * Optional: the state `cachedWalletTransaction` remembers under `key`, only when it is
   * what a `read` would see: its transaction committed (never a state written in a batch
   * still open), and no other process has committed since it was remembered. SQLite tells
   * the latter by `externalChanges()`: pass what it answered earlier in the same request
   * (so no statement runs here), or undefined to have it asked now. PostgreSQL cannot tell
   * without a round trip, and does not offer it.
   */
  rememberedWalletState?<State extends CachedWalletState>(key: string, externalChanges: number | undefined): State | undefined;
  /**
   * Optional: called inside `read` with a wallet's state as that read loaded it, remembers it
   * under `key` as `cachedWalletTransaction` would have, but only if the read's snapshot is
   * what is committed now (SQLite: no write of this process since the snapshot opened, and
   * `externalChanges()` still what the caller's request read before it); else nothing. So a
   * wallet that is only read is loaded once, not on every read.
   */
  rememberReadWalletState?<State extends CachedWalletState>(key: string, state: State, externalChanges: number | undefined): void;
  close(): Promise<void>;
}

/** What a store remembers of a wallet between operations: opaque to it but for the wallet row's ID. */
export interface CachedWalletState {
  wallet: { id: string };
}

/**
 * A wallet operation a store may run on the state the previous one left.
 *
 * `attempt` computes on that state with a repository whose writes are deferred
 * (reads throw). PostgreSQL sends the writes as one statement that first locks
 * the wallet row and checks it is the version the state was read from (every
 * operation that changes a wallet writes its row); SQLite runs them in its
 * transaction if no other connection has committed since the state was
 * remembered (`PRAGMA data_version`). If the state is stale, or a write is
 * refused (a used idempotency key), nothing of it stays written, the
 * remembered state is dropped and `full` runs: today's path, in a transaction,
 * whose outcome is the answer. Errors `attempt` throws are never the answer
 * either (they were computed on a state not yet checked): `full` runs and
 * decides. A statement whose fate is unknown (a lost connection) fails the
 * operation with that error, as a COMMIT lost in flight does.
 */
export interface CachedWalletWork<T, State extends CachedWalletState> {
  /** undefined when this state cannot serve the operation. Must not read. `next` as for `full`. */
  attempt(repository: Repository, state: State): Promise<{ value: T; next: State | undefined } | undefined>;
  /** `next`: the state the transaction leaves, to remember once it commits (undefined: remember nothing). */
  full(repository: Repository): Promise<{ value: T; next: State | undefined }>;
}

import Database from 'better-sqlite3';
import { migrations, migrationSql } from '../migrations/migrations.ts';
import type { CachedWalletState, CachedWalletWork, Store, StoreHealth } from '../port.ts';
import { DEFAULT_REMEMBERED_WALLETS, RememberedWallets } from '../remembered-wallets.ts';
import { Repository } from '../repository/repository.ts';
import { Checkpointer, DEFAULT_RESTART_ABOVE_FRAMES } from './checkpointer.ts';
import { DEFAULT_TURN_BUDGET, type TurnBudget } from '../turn-budget.ts';
import { GroupCommit, RememberedStateRefused, type Touches } from './group-commit.ts';
import { ExternalChanges } from './external-changes.ts';
import { WalSync } from './wal-sync.ts';
import type { StoreCapabilities } from '../sql-executor.ts';
import { RecordedWrites } from '../recorded-writes.ts';
import { SqliteExecutor } from './sqlite-executor.ts';

export const SQLITE_CAPABILITIES: StoreCapabilities = { rowLocks: false, skipLocked: false, indexedBy: true, mergesInserts: false, readsBlockEventLoop: true };
const capabilities = SQLITE_CAPABILITIES;

export interface SqliteStoreOptions {
  /** Told the SQL of every statement either connection runs (better-sqlite3's `verbose`): the bench counts them. */
  onStatement?: (sql: string) => void;
  /** How many wallets' states to remember between operations (default 10,000; 0: none, every operation loads). */
  rememberWallets?: number;
  /** The WAL is restarted once it holds more frames than this (checkpointer.ts; default 65,536). */
  walRestartAboveFrames?: number;
  /** How often the checkpointer checks the WAL's size (default 200 ms); it copies the WAL back every fifth check. */
  checkpointIntervalMs?: number;
  /**
   * A batch of one with nothing queued behind it fsyncs on the event loop (default true): a caller that awaits
   * each write before the next (a script, the CLI) saves the thread pool's round trip. `serve` turns it off: with
   * requests arriving on their own, an fsync on the loop holds up every one that arrives meanwhile, while on the
   * pool they are computed, committed and fsynced beside it (docs/production.md).
   */
  inlineLoneCommitSync?: boolean;
  /**
   * How long a batch's works may run in one turn of the event loop before the rest wait for the next batch
   * (turn-budget.ts, default DEFAULT_TURN_BUDGET); tests give a clock of their own.
   */
  batchTurnBudget?: TurnBudget;
}

/**
 * The writer's page cache is small on purpose. It holds the pages a transaction
 * writes and those read back from the WAL; every other read comes through the
 * memory map. A large one costs every commit that rebalanced a B-tree: SQLite
 * renumbers the pages it moves through the lock-byte page's number (262,145),
 * so the cache's largest page number is beyond the database and the commit's
 * truncation walks the whole cache. With 64 MiB (about 16,000 pages held once
 * the database outgrew it) that walk took 12.7% of the main thread at 800
 * debits/s on a 176 MB database; with 2 MiB, 0.6% (docs/production.md).
 */
const WRITER_CACHE_KIB = 2048;
/** The reader's cache empties whenever another connection commits; a large one serves long reads (exports, reports) between writes. */
const READER_CACHE_KIB = 65_536;

/**
 * The embedded store: one SQLite file in WAL mode. A transaction's promise
 * resolves only after its WAL frames are fsynced (see wal-sync.ts): the same
 * durability as synchronous=FULL, without blocking the event loop on the fsync.
 * Concurrent transactions share one BEGIN IMMEDIATE … COMMIT and one fsync
 * (group-commit.ts). All writes go through one connection in this process,
 * which serialises writers per database (and so per wallet); other processes
 * wait on SQLite's lock (busy_timeout). Reads use a second connection and see
 * only committed data.
 */
export class SqliteStore implements Store {
  readonly capabilities = capabilities;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writeExecutor: SqliteExecutor;
  private readonly readRepository: Repository;
  /**
   * What an attempt on a remembered state writes through (runCached): one recorder, cleared per attempt.
   * Attempts never overlap: one batch runs at a time, and its works one after another.
   */
  private readonly recordedWrites = new RecordedWrites<readonly [string, readonly unknown[]]>((sql, params) => [sql, params]);
  private readonly recordingRepository = new Repository(this.recordedWrites, capabilities);
  private readonly walSync: WalSync;
  private readonly checkpointer: Checkpointer;
  private readonly groupCommit: GroupCommit;
  private readonly readTransaction: { begin: Database.Statement; commit: Database.Statement };
  /** `PRAGMA data_version` on the writer, asked only when another connection may have committed (external-changes.ts). */
  private readonly changes: ExternalChanges;
  private openReads = 0;
  private readonly rememberedWallets: RememberedWallets;
  /** `PRAGMA data_version` when the remembered states were last known valid. */
  private rememberedAt: string | undefined;
  /** `PRAGMA data_version` read in the open batch's transaction, once (undefined: not read yet). */
  private batchDataVersion: string | undefined;
  /**
   * Keys whose state the open batch remembered: written through by a transaction not committed
   * yet, so `rememberedWalletState` does not answer them (the reader would not see those writes).
   * Emptied at COMMIT; a rollback forgets every state anyway.
   */
  private readonly uncommittedStates = new Set<string>();
  /**
   * Moves when a write transaction ends (COMMIT or ROLLBACK). A read that saw it not move between
   * opening its snapshot and now, with no write transaction open now, read what is committed now
   * (rememberReadWalletState): a transaction open at any moment in between has either ended, or is
   * still open.
   */
  private writeGeneration = 0;
  /** `writeGeneration` when the open read transaction began. */
  private readBeganAt = 0;
  /** Counts what cachedWalletTransaction did, for tests and the bench. */
  readonly rememberedCounts = { remembered: 0, refused: 0, full: 0 };

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const connectionOptions = options.onStatement ? { verbose: (sql: unknown) => options.onStatement!(String(sql)) } : {};
    this.writer = new Database(path, connectionOptions);
    this.rememberedWallets = new RememberedWallets(Math.max(0, options.rememberWallets ?? DEFAULT_REMEMBERED_WALLETS));
    this.walSync = new WalSync(`${path}-wal`);
    const restartAboveFrames = options.walRestartAboveFrames ?? DEFAULT_RESTART_ABOVE_FRAMES;
    this.checkpointer = new Checkpointer(path, { restartAboveFrames, intervalMs: options.checkpointIntervalMs });
    this.writer.pragma('journal_mode = WAL');
    // COMMIT writes the WAL without fsync; WalSync fsyncs it off the main thread before acknowledging.
    this.writer.pragma('synchronous = NORMAL');
    this.writer.pragma('foreign_keys = ON');
    // Checkpoints run on a worker thread (checkpointer.ts), not inside COMMIT on the event loop.
    this.writer.pragma('wal_autocheckpoint = 0');
    // When a write rewinds the WAL after a restart (checkpointer.ts), a file over twice the limit (4 KiB pages) is cut
    // back to that. Not to the limit itself: the WAL ends each cycle a little over it, and cutting that tail made the
    // rewinding commit truncate the file and fsync its new size on the event loop (2 to 7 ms), and each next cycle
    // extend the file again. Twice the limit is reached only when a reader held the WAL from starting over.
    this.writer.pragma(`journal_size_limit = ${restartAboveFrames * 4096 * 2}`);
    this.writer.pragma('busy_timeout = 10000');
    this.tune(this.writer, WRITER_CACHE_KIB);
    this.reader = new Database(path, connectionOptions);
    this.reader.pragma('busy_timeout = 10000');
    this.tune(this.reader, READER_CACHE_KIB);
    this.reader.pragma('query_only = ON');
    this.readTransaction = { begin: this.reader.prepare('BEGIN'), commit: this.reader.prepare('COMMIT') };
    // On the writer: it changes when any other connection commits (another process; this one's reader never writes).
    this.changes = new ExternalChanges(this.writer, `${path}-shm`);
    this.writeExecutor = new SqliteExecutor(this.writer);
    this.readRepository = new Repository(new SqliteExecutor(this.reader), capabilities);
    this.groupCommit = new GroupCommit({
      writer: this.writer,
      writeExecutor: this.writeExecutor,
      writeRepository: new Repository(this.writeExecutor, capabilities),
      walSync: this.walSync,
      checkpointer: this.checkpointer,
      inlineLoneCommitSync: options.inlineLoneCommitSync ?? true,
      turnBudget: options.batchTurnBudget ?? DEFAULT_TURN_BUDGET,
      listener: { began: () => this.batchBegan(), mayChangeWalletState: (touches) => this.forgetTouched(touches), ended: (committed) => this.batchEnded(committed) },
    });
  }

  /** How often the WAL reached its limit and was restarted (checkpointer.ts): from the first, its file is full size. */
  get walRestarts(): number {
    return this.groupCommit.walRestarts;
  }

  /** Memory-mapped reads (the hot path touches index pages all over the file) and a page cache of `cacheKib`. */
  private tune(database: Database.Database, cacheKib: number): void {
    database.pragma(`cache_size = -${cacheKib}`);
    database.pragma('mmap_size = 268435456');
    database.pragma('temp_store = MEMORY');
  }

  async migrate(): Promise<number[]> {
    this.writer.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied: number[] = [];
    const migrateAll = this.writer.transaction(() => {
      const done = new Set(this.writer.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        this.writer.exec(migrationSql(migration, 'sqlite'));
        this.writer.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
        applied.push(migration.version);
      }
    });
    migrateAll.immediate();
    return applied;
  }

  async health(): Promise<StoreHealth> {
    const version = this.reader.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null;
    return { store: 'sqlite', migrationVersion: version ?? 0 };
  }

  transaction<T>(work: (repository: Repository) => Promise<T>, options: { coalesceKey?: string } = {}): Promise<T> {
    return this.groupCommit.enqueue(work, options.coalesceKey === undefined ? 'any' : { key: options.coalesceKey }) as Promise<T>;
  }

  /**
   * On a state this process remembers, `attempt` computes without reading and its
   * writes run in the batch's transaction: no load at all. A remembered state is
   * valid only while `PRAGMA data_version`, read once per batch inside its
   * BEGIN IMMEDIATE (so no other process can commit until COMMIT), is what it was
   * when the state was remembered: another process's commit forgets every state.
   * This process's own writes keep them true: each cached work remembers the
   * state it left (write-through), a plain work that writes a table states are
   * made of forgets the wallet it names (or every state, when it names none;
   * writing only other tables, such as the outbox, forgets nothing), and a
   * rollback forgets every state. An attempt that throws wrote nothing (its
   * writes are recorded first) and `full` runs; one whose writes fail (a used
   * idempotency key) is undone and runs again on `full` (group-commit.ts, `runBatch`). A read
   * may use a state once its batch committed (`rememberedWalletState`).
   */
  cachedWalletTransaction<T, State extends CachedWalletState>(key: string, work: CachedWalletWork<T, State>): Promise<T> {
    const cached = work as unknown as CachedWalletWork<unknown, CachedWalletState>;
    return this.groupCommit.enqueue((repository) => this.runCached(key, cached, repository), { remembers: true }) as Promise<T>;
  }

  private async runCached(key: string, work: CachedWalletWork<unknown, CachedWalletState>, repository: Repository): Promise<unknown> {
    const version = this.validDataVersion();
    const remembered = this.rememberedWallets.take(key);
    if (remembered) {
      const writes = this.recordedWrites;
      writes.clear();
      const attempt = await work.attempt(this.recordingRepository, remembered.state).catch(() => undefined);
      if (attempt) {
        try {
          for (const [sql, params] of writes.statements) this.writeExecutor.runNow(sql, params);
        } catch (error) {
          this.rememberedCounts.refused += 1;
          throw new RememberedStateRefused(error);
        }
        this.rememberedCounts.remembered += 1;
        this.rememberedWallets.remember(key, attempt.next, version);
        this.uncommittedStates.add(key);
        return attempt.value;
      }
    }
    this.rememberedCounts.full += 1;
    const { value, next } = await work.full(repository);
    this.rememberedWallets.remember(key, next, version);
    this.uncommittedStates.add(key);
    return value;
  }

  /**
   * A remembered state a read may use instead of reading: one no open batch wrote (its
   * transaction committed, so the reader connection sees exactly it), remembered at the
   * `data_version` the caller saw (`externalChanges`, earlier in its request) or, without
   * one, at the one now. States are remembered at the `data_version` read inside their
   * batch's BEGIN IMMEDIATE, and another process's commit changes it: equal versions mean
   * no other process committed between the state's batch and the caller's look, and this
   * process's own later writes to the wallet wrote the state through or forgot it.
   */
  rememberedWalletState<State extends CachedWalletState>(key: string, externalChanges: number | undefined): State | undefined {
    if (this.uncommittedStates.has(key)) return undefined;
    const remembered = this.rememberedWallets.get(key);
    if (!remembered) return undefined;
    const version = externalChanges ?? this.externalChanges();
    return remembered.version === String(version) ? (remembered.state as State) : undefined;
  }

  /**
   * Remembers `state`, loaded by the read transaction open now, as what a later operation or read
   * may use instead of loading: only when that snapshot is what is committed now. No write
   * transaction of this process is open, or ended since the snapshot opened (`writeGeneration`),
   * and no other process committed since the caller's request read `externalChanges` (before
   * the snapshot opened). Otherwise it does nothing.
   */
  rememberReadWalletState<State extends CachedWalletState>(key: string, state: State, externalChanges: number | undefined): void {
    if (this.openReads === 0 || this.writer.inTransaction || this.writeGeneration !== this.readBeganAt || externalChanges === undefined) return;
    const version = String(this.externalChanges());
    if (version !== String(externalChanges)) return;
    // Like validDataVersion: states remembered before another process's commit are no longer true.
    if (version !== this.rememberedAt) {
      this.rememberedWallets.clear();
      this.rememberedAt = version;
    }
    this.rememberedWallets.remember(key, state, version);
  }

  /** The open batch's `data_version`; remembered states from before another process's commit are forgotten. */
  private validDataVersion(): string {
    this.batchDataVersion ??= String(this.changes.exact());
    if (this.batchDataVersion !== this.rememberedAt) {
      this.rememberedWallets.clear();
      this.rememberedAt = this.batchDataVersion;
    }
    return this.batchDataVersion;
  }

  /**
   * Reads run in a read transaction on the reader connection, so every statement
   * sees one snapshot even while another process commits to the same file.
   * Reads started while one is open (they interleave only through microtasks,
   * since SQLite calls are synchronous) join its snapshot.
   */
  async read<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    if (this.openReads === 0) {
      this.readTransaction.begin.run();
      this.readBeganAt = this.writeGeneration;
    }
    this.openReads += 1;
    try {
      return await work(this.readRepository);
    } finally {
      this.openReads -= 1;
      if (this.openReads === 0) this.readTransaction.commit.run();
    }
  }

  externalChanges(): number {
    return this.changes.now();
  }

  private closing: Promise<void> | null = null;

  /** Waits for queued and in-flight batches, then closes; calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    await this.groupCommit.drain();
    await this.checkpointer.stop();
    this.reader.close();
    this.writer.close();
    this.walSync.close();
    this.changes.close();
  }

  /** The batch's `data_version` is read once, when a remembered state is first asked for (validDataVersion). */
  private batchBegan(): void {
    this.batchDataVersion = undefined;
    this.changes.ownCommitBegan();
  }

  /** A plain work that writes a table states are made of forgets the wallet it names, or every state when it names none. */
  private forgetTouched(touches: Touches): void {
    if (touches === 'any') this.rememberedWallets.clear();
    else if ('key' in touches) this.rememberedWallets.forget(touches.key);
  }

  /**
   * The reader now sees what a committed batch wrote, and so may a read of a state it remembered.
   * A rollback undid every state remembered in its transaction, which wrote them through.
   */
  private batchEnded(committed: boolean): void {
    this.changes.ownCommitEnded(committed);
    this.writeGeneration += 1;
    if (!committed) this.rememberedWallets.clear();
    this.uncommittedStates.clear();
  }
}

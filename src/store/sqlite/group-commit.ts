import type Database from 'better-sqlite3';
import type { Repository } from '../repository/repository.ts';
import { turnSpent, type TurnBudget } from '../turn-budget.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { SqliteExecutor } from './sqlite-executor.ts';
import type { WalSync } from './wal-sync.ts';

/** At most this many operations share one transaction and one fsync. */
const MAX_BATCH = 256;
/** With no batch awaiting its fsync, a queue longer than this is split in two (`nextBatchSize`). */
const SPLIT_ABOVE = 16;

/**
 * What a work that writes may change of remembered wallet states: `remembers` (a cachedWalletTransaction)
 * keeps its own wallet's up to date; one with a coalesce key changes that wallet only; any other may change any.
 */
export type Touches = { remembers: true } | { key: string } | 'any';

/** What the store keeps about its writes, told by the batches (sqlite-store.ts: remembered wallet states). */
export interface BatchListener {
  /** A batch's BEGIN IMMEDIATE ran. */
  began(): void;
  /** A work is about to run a statement that may write a table wallet states are made of. */
  mayChangeWalletState(touches: Touches): void;
  /** The batch's transaction ended: committed, or rolled back (everything it wrote is gone). */
  ended(committed: boolean): void;
}

/** A remembered state's writes failed (a used idempotency key): undone, the operation runs again on today's path. */
export class RememberedStateRefused extends Error {
  constructor(readonly refusal: unknown) {
    super('The remembered wallet state was refused.', { cause: refusal });
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface QueuedWork {
  work: (repository: Repository) => Promise<unknown>;
  touches: Touches;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitParts {
  writer: Database.Database;
  /** The writer's executor: its `beforeWrite` is set while a work runs. */
  writeExecutor: SqliteExecutor;
  writeRepository: Repository;
  walSync: WalSync;
  checkpointer: Checkpointer;
  /** A batch of one with nothing queued behind it fsyncs on the event loop (SqliteStoreOptions). */
  inlineLoneCommitSync: boolean;
  listener: BatchListener;
  /**
   * How long a batch's works may run in one turn before the rest wait for the next batch (turn-budget.ts). A debit
   * of a wallet nothing unusual happened to takes tens of microseconds, so 256 of them never reach it; 256 on a
   * wallet with 2,000 live grants (each loads them) took 4 s in one turn before.
   */
  turnBudget?: TurnBudget | undefined;
}

/**
 * Group commit: concurrent transactions queue up and run one after another
 * inside a single BEGIN IMMEDIATE … COMMIT, so one fsync serves the whole batch.
 * Savepoints are taken only when needed: a batch runs first without any; if an
 * operation fails after writing, the transaction rolls back, that operation
 * fails, and the others run again, each in a savepoint opened at its first write
 * (runBatch). Invariant: an operation's promise settles only after an fdatasync
 * of the WAL that started after its COMMIT (wal-sync.ts).
 */
export class GroupCommit {
  private queue: QueuedWork[] = [];
  private flushScheduled = false;
  private batchesAwaitingSync = 0;
  /** A flush waits for the oldest batch's fsync (see afterFlush). */
  private flushHeld = false;
  /** How often the WAL reached its limit and was restarted (checkpointer.ts): from the first, its file is full size. */
  walRestarts = 0;
  private readonly savepoint: { begin: Database.Statement; release: Database.Statement; rollback: Database.Statement };
  /** The batch's transaction, prepared once: `exec` would parse the statement again for every batch. */
  private readonly transaction: { begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement };

  constructor(private readonly parts: GroupCommitParts) {
    const { writer } = parts;
    this.savepoint = { begin: writer.prepare('SAVEPOINT operation'), release: writer.prepare('RELEASE operation'), rollback: writer.prepare('ROLLBACK TO operation') };
    this.transaction = { begin: writer.prepare('BEGIN IMMEDIATE'), commit: writer.prepare('COMMIT'), rollback: writer.prepare('ROLLBACK') };
  }

  enqueue(work: (repository: Repository) => Promise<unknown>, touches: Touches): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ work, touches, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves once nothing is queued, being committed or awaiting its fsync. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushScheduled || this.batchesAwaitingSync > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private async flush(): Promise<void> {
    const { checkpointer, listener, walSync } = this.parts;
    // The WAL is over its limit: no batch begins until the checkpointer has let it start over; writes queue meanwhile.
    if (checkpointer.restartWanted) {
      await checkpointer.restart();
      this.walRestarts += 1;
    }
    const taken = this.queue.splice(0, this.nextBatchSize());
    // The works that ran, each with its outcome; those the turn's budget left out go back to the queue's front.
    let ran: Array<{ item: QueuedWork; outcome: Outcome }>;
    try {
      const run = await this.runBatch(taken, false);
      if ('failed' in run) {
        // One operation failed after writing, with no savepoint to undo it alone: the transaction was rolled back.
        // It fails; the others run again (works may be, as on PostgreSQL's retries), this time each in a savepoint.
        // Its failure is told with the others' outcomes, once the batch is durable, like any outcome.
        // A refused remembered state is no failure: that operation runs again too, on today's path.
        const refused = run.error instanceof RememberedStateRefused;
        const others = refused ? taken : taken.filter((_, index) => index !== run.failed);
        const outcomes = others.length > 0 ? ((await this.runBatch(others, true)) as { outcomes: Outcome[] }).outcomes : [];
        ran = outcomes.map((outcome, index) => ({ item: others[index]!, outcome }));
        this.queue.unshift(...others.slice(outcomes.length));
        if (!refused) ran.push({ item: taken[run.failed]!, outcome: { ok: false, error: run.error } });
      } else {
        ran = run.outcomes.map((outcome, index) => ({ item: taken[index]!, outcome }));
        this.queue.unshift(...taken.slice(run.outcomes.length));
      }
    } catch (error) {
      if (this.parts.writer.inTransaction) this.transaction.rollback.run();
      listener.ended(false);
      for (const item of taken) item.reject(error);
      this.afterFlush();
      return;
    }
    const batch = ran.map(({ item }) => item);
    const outcomes = ran.map(({ outcome }) => outcome);
    // A lone commit with nothing queued behind it: fsync inline, as synchronous=FULL would (unless `serve` said not to).
    if (this.parts.inlineLoneCommitSync && batch.length === 1 && this.queue.length === 0) {
      try {
        walSync.syncNow();
      } catch (error) {
        batch[0]!.reject(error);
        this.afterFlush();
        return;
      }
      settle(batch, outcomes);
      this.afterFlush();
      return;
    }
    // The next batch may run while this one's fsync is in flight; nobody hears of this one until it is durable.
    const durable = walSync.afterCommit();
    this.batchesAwaitingSync += 1;
    this.afterFlush();
    try {
      await durable;
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.batchesAwaitingSync -= 1;
      if (this.flushHeld) {
        this.flushHeld = false;
        setImmediate(() => void this.flush());
      }
    }
    settle(batch, outcomes);
  }

  /**
   * With no batch awaiting its fsync, a batch of everything queued would leave the event loop idle while its fsync
   * runs: every caller waits on it. Half of the queue commits and starts its fsync, and the other half is computed
   * and committed meanwhile (at most two batches await theirs). In process, 256 debits in flight, six alternated
   * rounds: 11,601 debits/s on average taking everything, 13,601 splitting, more in every round.
   */
  private nextBatchSize(): number {
    if (this.batchesAwaitingSync === 0 && this.queue.length > SPLIT_ABOVE) return Math.min(MAX_BATCH, Math.ceil(this.queue.length / 2));
    return MAX_BATCH;
  }

  /**
   * Runs `batch` in one BEGIN IMMEDIATE … COMMIT and returns each operation's
   * outcome. An operation that fails before its first write has nothing to undo
   * and fails alone. Without savepoints (the first try: most batches fail
   * nothing), one that fails after writing rolls the transaction back and is
   * named instead; with them, its savepoint, opened at its first write, is
   * rolled back and it fails alone. Once the works that ran have taken the turn's
   * budget (`turnBudget`), it commits those: the outcomes are of a prefix of `batch`.
   */
  private async runBatch(batch: QueuedWork[], withSavepoints: boolean): Promise<{ outcomes: Outcome[] } | { failed: number; error: unknown }> {
    const { listener, writeExecutor, writeRepository, turnBudget } = this.parts;
    this.transaction.begin.run();
    listener.began();
    const started = turnBudget?.now() ?? 0;
    const outcomes: Outcome[] = [];
    for (const [index, item] of batch.entries()) {
      // At least one work runs; after that, a batch over its turn's budget commits what ran (flush queues the rest).
      if (index > 0 && turnSpent(turnBudget, started)) break;
      for (;;) {
        let wrote = false;
        writeExecutor.beforeWrite = (writesWalletState) => {
          if (!wrote) {
            wrote = true;
            if (withSavepoints) this.savepoint.begin.run();
          }
          if (writesWalletState) listener.mayChangeWalletState(item.touches);
        };
        try {
          const value = await item.work(writeRepository);
          if (wrote && withSavepoints) this.savepoint.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (wrote && !withSavepoints) {
            this.transaction.rollback.run();
            listener.ended(false);
            return { failed: index, error };
          }
          if (wrote) {
            this.savepoint.rollback.run();
            this.savepoint.release.run();
          }
          // Its state was taken and not remembered again: it runs once more, on today's path.
          if (error instanceof RememberedStateRefused) continue;
          outcomes.push({ ok: false, error });
        } finally {
          writeExecutor.beforeWrite = undefined;
        }
        break;
      }
    }
    this.transaction.commit.run();
    listener.ended(true);
    return { outcomes };
  }

  /**
   * At most two committed batches wait for their fsyncs, which run side by side
   * (WalSync). A third batch's work waits in the queue instead and joins whatever
   * comes meanwhile: while the disk is slow, the requests behind it make one
   * commit, not one each (each commit writes every page it touched to the WAL
   * again).
   */
  private afterFlush(): void {
    if (this.queue.length === 0) this.flushScheduled = false;
    else if (this.batchesAwaitingSync >= 2) this.flushHeld = true;
    else setImmediate(() => void this.flush());
  }
}

function settle(batch: QueuedWork[], outcomes: Outcome[]): void {
  batch.forEach((item, index) => {
    const outcome = outcomes[index]!;
    if (outcome.ok) item.resolve(outcome.value);
    else item.reject(outcome.error);
  });
}

import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/**
 * Makes committed WAL frames durable without blocking the event loop.
 *
 * The store runs WAL with synchronous=NORMAL, so COMMIT appends the batch's frames
 * to the -wal file without an fsync; this class then fdatasyncs that file on
 * libuv's thread pool before anyone is told the batch is committed. That is the
 * same fsync SQLite itself issues at COMMIT under synchronous=FULL (the WAL is the
 * only file a commit writes; checkpoints fsync the WAL before copying it back), so
 * an acknowledged write survives power loss exactly as it would under FULL.
 *
 * Invariant: `afterCommit()` resolves only after an fdatasync that STARTED after
 * the commit it was called for. Commits made while a sync is running share the
 * next one, which is group commit across batches.
 *
 * The difference from FULL: a reader may see a committed batch a fraction of a
 * millisecond before its writers are acknowledged. If the machine loses power in
 * that window, the unacknowledged writes are lost, as unacknowledged writes may be.
 */
export class WalSync {
  private fileDescriptor: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  afterCommit(): Promise<void> {
    // A sync that has not started yet will start after this commit: join it.
    if (this.next) return this.next;
    if (!this.running) {
      this.running = this.sync();
      return this.running;
    }
    // The next sync starts one event-loop turn after the running one ends, so a
    // batch its end lets run (SqliteStore holds one back meanwhile) commits first
    // and rides on it.
    const startLater = () => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.startNext());
    this.next = this.running.then(startLater, startLater);
    return this.next;
  }

  /**
   * The same fsync, on this thread: for a lone commit with nothing waiting, the
   * thread-pool round trip costs more than blocking does.
   */
  syncNow(): void {
    this.fileDescriptor ??= openSync(this.walPath, 'r+');
    fdatasyncSync(this.fileDescriptor);
  }

  close(): void {
    if (this.fileDescriptor !== null) closeSync(this.fileDescriptor);
    this.fileDescriptor = null;
  }

  private startNext(): Promise<void> {
    this.next = null;
    this.running = this.sync();
    return this.running;
  }

  private sync(): Promise<void> {
    this.fileDescriptor ??= openSync(this.walPath, 'r+');
    const fileDescriptor = this.fileDescriptor;
    return new Promise<void>((resolve, reject) => {
      fdatasync(fileDescriptor, (error) => {
        this.running = null;
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { MX_FRAME_OFFSET } from './wal-index-header.ts';

const require = createRequire(import.meta.url);

/**
 * Checkpoints the WAL from a worker thread with its own connection, so the
 * copy back into the database file and its fsync never block the event loop
 * (the writer connection runs with wal_autocheckpoint=0). PASSIVE mode never
 * waits for the writer or readers; frames it cannot copy yet are copied next
 * time. The worker is unref'd: it keeps the process alive only while the
 * store waits for its answer.
 *
 * A PASSIVE checkpoint alone never lets the WAL start over while writes go on:
 * SQLite rewinds the WAL only when a write transaction begins after a
 * checkpoint copied every frame, and under steady load new frames always
 * arrive first, so the file grew by hundreds of MB a second without bound.
 * So once the WAL holds more than `restartAboveFrames` frames the worker asks
 * for a restart (`restartWanted`); the store stops starting batches, calls
 * `restart()`, which runs a RESTART checkpoint (it copies the rest while no
 * write can begin and waits, briefly, for readers to leave the WAL), and the
 * store's next write rewinds the WAL to its start (`journal_size_limit` on the
 * writer truncates the file only if a held reader let it grow past twice the limit).
 *
 * A PASSIVE checkpoint that does not reach the WAL's end leaves what it copied
 * unsynced in the database file: SQLite fsyncs the database only when a
 * checkpoint copies the whole WAL. Under steady writes that is the restart, so
 * it used to fsync everything copied since the last one while writes waited
 * (2 to 33 ms here). So before asking for it the worker fsyncs the database
 * itself, while writes go on, and again while that took long, each time
 * copying what came meanwhile: the restart then has little to copy or sync.
 *
 * The worker checks the WAL's size every interval but copies it only every
 * fifth (`copyEveryChecks`): a page most commits rewrite (a table's last leaf,
 * the wallets' rows) is then copied once a second, not five times, so the
 * database takes less writing and that fsync has less to write. Between copies
 * the size is the WAL-index header's frame count, read with one `pread` and no
 * lock (wal-index-header.ts); a WAL past its limit is copied and restarted at
 * the next check, as before. Paced at 2,000 debits/s for 30 s, the
 * checkpointer wrote 131 MB instead of 183–199, and in six alternated pairs of
 * runs the p99 was lower in five (median 6.52 → 5.76 ms; bench/README.md,
 * section 2).
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, fdatasyncSync, openSync, readSync } = require('node:fs');
const littleEndian = require('node:os').endianness() === 'LE';
const Database = require(workerData.driver);
const database = new Database(workerData.path);
let databaseFd;
// The WAL-index header's mxFrame (wal-index-header.ts), in the machine's byte order: the WAL's frames now.
let shmFd;
const frameCount = Buffer.alloc(4);
function walFrames() {
  try {
    shmFd ??= openSync(workerData.path + '-shm', 'r');
    if (readSync(shmFd, frameCount, 0, 4, workerData.mxFrameOffset) !== 4) return Infinity;
    return littleEndian ? frameCount.readUInt32LE(0) : frameCount.readUInt32BE(0);
  } catch {
    return Infinity; // unreadable: checkpoint, which reads the size the exact way
  }
}
// At most 4 rounds; one whose fsync found little to write (under 2 ms) ends them.
function syncBeforeRestart() {
  databaseFd ??= openSync(workerData.path, 'r');
  for (let round = 0; round < 4; round += 1) {
    const startedAt = performance.now();
    fdatasyncSync(databaseFd);
    const tookMs = performance.now() - startedAt;
    database.pragma('wal_checkpoint(PASSIVE)');
    if (tookMs < 2) return;
  }
}
database.pragma('busy_timeout = ' + workerData.restartWaitMs);
let restartAsked = false;
// After a restart a reader kept from finishing, the next is asked for only after a pause that doubles (at most 32 ticks).
let ticksToWait = 0;
let backoffTicks = 1;
let tick = 0;
const timer = setInterval(() => {
  tick += 1;
  // Between copies only the size is checked: a hot page is then copied once a copy interval, not once a tick.
  if (tick % workerData.copyEveryChecks !== 0 && walFrames() <= workerData.restartAboveFrames) return;
  try {
    const [result] = database.pragma('wal_checkpoint(PASSIVE)');
    if (ticksToWait > 0) ticksToWait -= 1;
    else if (!restartAsked && result && result.log > workerData.restartAboveFrames) {
      restartAsked = true;
      try { syncBeforeRestart(); } catch { /* the restart syncs what this could not */ }
      parentPort.postMessage('restart-wanted');
    }
  } catch { /* busy: try again next tick */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    let done = false;
    // busy_timeout bounds the wait for another process's writer or a reader still in the WAL.
    try { done = database.pragma('wal_checkpoint(RESTART)')[0].busy === 0; } catch { /* locked: as busy */ }
    ticksToWait = done ? 0 : backoffTicks;
    backoffTicks = done ? 1 : Math.min(backoffTicks * 2, 32);
    restartAsked = false;
    parentPort.postMessage('restarted');
    return;
  }
  if (message !== 'stop') return;
  clearInterval(timer);
  try { database.pragma('wal_checkpoint(PASSIVE)'); } finally {
    database.close();
    if (databaseFd !== undefined) closeSync(databaseFd);
    if (shmFd !== undefined) closeSync(shmFd);
  }
  parentPort.postMessage('stopped');
});
`;

export interface CheckpointerOptions {
  /** How often the WAL's size is checked (default 200 ms). */
  intervalMs?: number | undefined;
  /** How often, in checks, the WAL is copied back into the database (default 5: every 1,000 ms at the default interval). */
  copyEveryChecks?: number | undefined;
  /** A WAL holding more frames than this is restarted (default 65,536: 256 MiB of 4 KiB pages). */
  restartAboveFrames?: number;
  /**
   * How long a restart waits for another process's writer or a reader to leave the WAL (default 50 ms);
   * writes wait that long at most. A restart that could not finish is asked for again after 1, 2, 4 … 32 intervals.
   */
  restartWaitMs?: number;
}

export const DEFAULT_RESTART_ABOVE_FRAMES = 65_536;
const DEFAULT_COPY_EVERY_CHECKS = 5;

export class Checkpointer {
  private readonly worker: Worker;
  /** The worker found the WAL over its limit: the store should pause its writes and call `restart()`. */
  restartWanted = false;
  private exited = false;
  /** One per message in flight, oldest first: the worker answers each ('restarted' or 'stopped') in order. */
  private readonly waiting: Array<() => void> = [];

  constructor(path: string, options: CheckpointerOptions = {}) {
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        path,
        intervalMs: options.intervalMs ?? 200,
        copyEveryChecks: Math.max(1, options.copyEveryChecks ?? DEFAULT_COPY_EVERY_CHECKS),
        mxFrameOffset: MX_FRAME_OFFSET,
        restartAboveFrames: options.restartAboveFrames ?? DEFAULT_RESTART_ABOVE_FRAMES,
        restartWaitMs: options.restartWaitMs ?? 50,
        driver: require.resolve('better-sqlite3'),
      },
    });
    this.worker.on('message', (message: string) => {
      if (message === 'restart-wanted') this.restartWanted = true;
      else this.answer();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      while (this.waiting.length > 0) this.answer();
    });
    this.worker.unref();
  }

  /** Runs a RESTART checkpoint on the worker; call it while this process begins no write transaction. */
  restart(): Promise<void> {
    this.restartWanted = false;
    return this.ask('restart');
  }

  async stop(): Promise<void> {
    await this.ask('stop');
    await this.worker.terminate();
  }

  /** The caller waits for the answer, so the worker keeps the process alive until every answer has come. */
  private ask(message: 'restart' | 'stop'): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  private answer(): void {
    this.waiting.shift()?.();
    if (this.waiting.length === 0) this.worker.unref();
  }
}

import type Database from 'better-sqlite3';
import { WalIndexHeader } from './wal-index-header.ts';

/**
 * Tells whether another connection (another process) may have committed: `PRAGMA data_version` on the writer, which
 * moves with every other connection's commit and never with the writer's own. Asking it begins a read transaction,
 * so `now()` asks only when the WAL-index header has changed since it last asked (wal-index-header.ts: one `pread`,
 * no lock), and this process's own commits carry the header's mark over (`ownCommitBegan`/`ownCommitEnded`).
 *
 * It looks at the header at most once per turn of the event loop: later calls in the same turn answer what the
 * first one found. Under load a turn reads many requests (tens at saturation), and one `pread` a request took 4.7%
 * of a saturated server's main-thread samples. So another process's commit is seen from the turn after the one that
 * first looked past it, not by a request read later in that same turn. Writes do not depend on it (each batch reads
 * `exact()` under its write lock); reads and authentication may answer for a moment up to one turn old.
 */
export class ExternalChanges {
  private readonly header: WalIndexHeader;
  private readonly dataVersion: Database.Statement;
  /** What `data_version` answered after the header was last marked. */
  private known: number | undefined;
  /** `now()` already looked at the header in this turn of the event loop. */
  private lookedThisTurn = false;

  constructor(writer: Database.Database, shmPath: string) {
    this.header = new WalIndexHeader(shmPath);
    this.dataVersion = writer.prepare('PRAGMA data_version').pluck();
  }

  now(): number {
    if (this.lookedThisTurn && this.known !== undefined) return this.known;
    if (!this.lookedThisTurn) {
      this.lookedThisTurn = true;
      setImmediate(() => (this.lookedThisTurn = false)).unref();
    }
    if (this.known !== undefined && this.header.unchangedSinceMark()) return this.known;
    // Marked first: a commit between the mark and the pragma only makes the next call ask again.
    this.header.mark();
    this.known = this.dataVersion.get() as number;
    return this.known;
  }

  /** `data_version` asked now, whatever the header says: exact under the write lock. */
  exact(): number {
    return this.dataVersion.get() as number;
  }

  /** Call with the write lock held (after BEGIN IMMEDIATE), before the transaction writes. */
  ownCommitBegan(): void {
    this.header.ownCommitBegan();
  }

  /** Call once that transaction has ended; `committed` false: rolled back. */
  ownCommitEnded(committed: boolean): void {
    this.header.ownCommitEnded(committed);
  }

  close(): void {
    this.header.close();
  }
}

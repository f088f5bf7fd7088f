import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The frames of a WAL file's current generation (those carrying the header's salts). */
export interface WalFrames {
  salts: string;
  pageSize: number;
  /** Page number of each frame, in order. */
  pages: number[];
}

export function readWalFrames(walPath: string): WalFrames {
  const wal = readFileSync(walPath);
  if (wal.length < 32) return { salts: '', pageSize: 0, pages: [] };
  const pageSize = wal.readUInt32BE(8);
  const salts = wal.subarray(16, 24).toString('hex');
  const pages: number[] = [];
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    if (wal.subarray(offset + 8, offset + 16).toString('hex') !== salts) break;
    pages.push(wal.readUInt32BE(offset));
  }
  return { salts, pageSize, pages };
}

/**
 * Counts the WAL frames commits write. A reader holding a snapshot that uses
 * the WAL stops any checkpoint from restarting it, so frames only append; it
 * must be opened right after a commit (while frames are still un-checkpointed),
 * and `frames()` throws if the WAL restarted anyway, so the caller can retry.
 */
export class WalMeter {
  private readonly pin: Database.Database;
  private readonly salts: string;

  constructor(private readonly path: string) {
    this.pin = new Database(path, { readonly: true });
    this.pin.exec('BEGIN');
    this.pin.prepare('SELECT count(*) FROM sqlite_master').get();
    this.salts = readWalFrames(`${path}-wal`).salts;
  }

  /** Frames of the pinned generation so far (page numbers in order). */
  frames(): WalFrames {
    const frames = readWalFrames(`${this.path}-wal`);
    if (frames.salts !== this.salts) throw new WalRestarted();
    return frames;
  }

  close(): void {
    this.pin.exec('COMMIT');
    this.pin.close();
  }
}

/**
 * WAL frames by the b-tree their page belongs to (a table or an index; its interior pages counted with it), most
 * first, from SQLite's `dbstat` table read after the frames were written. A page freed and reused by another b-tree
 * in between would be counted under the second; an append-heavy workload frees almost none. Page 1 (the file's
 * header, rewritten when the file grows) counts as `sqlite_schema`.
 */
export function framesByBtree(databasePath: string, pages: readonly number[]): Array<[name: string, frames: number]> {
  const database = new Database(databasePath, { readonly: true });
  try {
    const owner = new Map<number, string>();
    for (const row of database.prepare('SELECT name, pageno FROM dbstat').all() as Array<{ name: string; pageno: number }>) owner.set(row.pageno, row.name);
    const counts = new Map<string, number>();
    for (const page of pages) {
      const name = owner.get(page) ?? '(beyond the file)';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]);
  } finally {
    database.close();
  }
}

export class WalRestarted extends Error {
  constructor() {
    super('The WAL restarted while it was pinned (a checkpoint finished first); measure again.');
  }
}

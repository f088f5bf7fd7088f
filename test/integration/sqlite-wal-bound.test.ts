import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const PAGE = 4096;
const walBytes = (path: string): number => {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
};

const PADDING = 'x'.repeat(PAGE);

let next = 0;
/** Commits one page-sized outbox row per transaction, 32 in flight, until `keepGoing` says stop; returns how many. */
async function writeSteadily(store: SqliteStore, keepGoing: () => boolean, onCommit: () => void): Promise<number> {
  const first = next;
  const writer = async (): Promise<void> => {
    while (keepGoing()) {
      const id = `evt_${String(next++).padStart(12, '0')}`;
      await store.transaction((repository) =>
        repository.events.insertMany([{ id, environmentId: 'env_bound', type: 'test.padding', data: { padding: PADDING }, createdAt: 0 }]),
      );
      onCommit();
    }
  };
  await Promise.all(Array.from({ length: 32 }, writer));
  return next - first;
}

/** A migrated store on a fresh file whose WAL restarts above `limitFrames`, checkpointed every 10 ms; removed after `work`. */
async function withBoundedStore(limitFrames: number, work: (store: SqliteStore, path: string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-wal-bound-'));
  const path = join(directory, 'bound.db');
  const store = new SqliteStore(path, { walRestartAboveFrames: limitFrames, checkpointIntervalMs: 10 });
  try {
    await store.migrate();
    await work(store, path);
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

// Under writes that never pause, a PASSIVE checkpoint never lets SQLite rewind the WAL: it grew by every
// byte written. The store must keep it near its limit and lose nothing while it restarts the WAL.
it('keeps the WAL near its limit under writes that never pause, and loses no write', async () => {
  const limitFrames = 256;
  await withBoundedStore(limitFrames, async (store, path) => {
    let written = 0;
    let largestWal = 0;
    const inserted = await writeSteadily(
      store,
      () => written < 48 * 1024 * 1024,
      () => {
        written += PAGE;
        largestWal = Math.max(largestWal, walBytes(path));
      },
    );
    assert.ok(largestWal < 16 * 1024 * 1024, `the WAL reached ${largestWal} bytes while ${written} were written; its limit is ${limitFrames} frames`);
    const rows = await store.read((repository) => repository.events.list('env_bound', { type: 'test.padding' }, { limit: inserted + 1, startingAfter: null }));
    assert.equal(rows.data.length, inserted, 'every committed write is still there after the WAL restarted');
  });
});

// A reader that keeps its snapshot keeps the WAL from starting over; writes must go on meanwhile, and the WAL
// must start over once the reader has gone.
it('lets writes go on while a reader holds the WAL, and restarts it once the reader has gone', async () => {
  const limitFrames = 256;
  await withBoundedStore(limitFrames, async (store, path) => {
    const reader = new Database(path, { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM events').get();
      const heldFrom = Date.now();
      let written = 0;
      await writeSteadily(store, () => written < 8 * 1024 * 1024, () => (written += PAGE));
      const heldFor = Date.now() - heldFrom;
      assert.ok(walBytes(path) > 8 * 1024 * 1024, 'the held snapshot kept every frame in the WAL');
      assert.ok(heldFor < 10_000, `8 MiB of writes took ${heldFor} ms beside the held reader`);
      reader.exec('COMMIT');
      let smallest = Infinity;
      const deadline = Date.now() + 5000;
      await writeSteadily(
        store,
        () => smallest > 2 * limitFrames * PAGE && Date.now() < deadline,
        () => (smallest = Math.min(smallest, walBytes(path))),
      );
      assert.ok(smallest <= 2 * limitFrames * PAGE, `the WAL never started over once the reader left (smallest ${smallest} bytes)`);
    } finally {
      reader.close();
    }
  });
});

// The WAL ends each cycle a little over its limit. Cutting that tail off at every restart made the rewinding commit
// truncate the file and fsync its new size on the event loop, and the next cycle extend it again.
it('does not cut the WAL file back when an ordinary cycle ends a little over its limit', async () => {
  // Large enough that a cycle's overshoot (what is written while the restart is asked for) stays under the limit.
  const limitFrames = 1024;
  // The store cuts back only a file over twice the limit (journal_size_limit). A cycle gets there only when the
  // restart comes late: a reader held the WAL, or, on a machine busy with other tests, the checkpointer's thread
  // ran late. Such a cycle may be cut back; an ordinary one may not.
  const cutBackAbove = 2 * limitFrames * PAGE;
  await withBoundedStore(limitFrames, async (store, path) => {
    let written = 0;
    let largest = 0;
    let largestEver = 0;
    let lateCycles = 0;
    const shrinks: string[] = [];
    await writeSteadily(
      store,
      () => written < 40 * 1024 * 1024,
      () => {
        written += PAGE;
        const size = walBytes(path);
        if (store.walRestarts > 0 && size < largest) {
          if (largest > cutBackAbove) lateCycles += 1;
          else shrinks.push(`${largest} → ${size}`);
          largest = size;
        }
        largest = Math.max(largest, size);
        largestEver = Math.max(largestEver, size);
      },
    );
    assert.ok(store.walRestarts - lateCycles >= 3, `the WAL restarted ${store.walRestarts} times, ${lateCycles} of them after a late restart`);
    assert.ok(largestEver > limitFrames * PAGE, `a cycle ended over the limit (largest ${largestEver} bytes)`);
    assert.deepEqual(shrinks, [], 'the file kept its size across ordinary restarts');
  });
});

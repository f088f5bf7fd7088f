import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.ts';

/** A WAL database holding `frames` or more uncopied frames, its writer left open (closing it would copy them). */
function databaseWithWalFrames(frames: number): { path: string; remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-checkpointer-'));
  const path = join(directory, 'wal.db');
  const writer = new Database(path);
  writer.pragma('journal_mode = WAL');
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('CREATE TABLE pages (body BLOB)');
  const insert = writer.prepare('INSERT INTO pages (body) VALUES (?)');
  for (let index = 0; index < frames; index += 1) insert.run(Buffer.alloc(4096, index % 251));
  return {
    path,
    remove: () => {
      writer.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

// Between copies the size comes from the WAL-index header alone: with copies that never fall due, only that read
// can tell the worker the WAL passed its limit.
it('asks for a restart once the WAL passes its limit, read between copies from the WAL-index header', async () => {
  const database = databaseWithWalFrames(64);
  const checkpointer = new Checkpointer(database.path, { restartAboveFrames: 32, intervalMs: 5, copyEveryChecks: 1_000_000 });
  try {
    assert.equal(await waitFor(() => checkpointer.restartWanted, 5_000), true, 'a WAL of 64 frames is over a limit of 32');
  } finally {
    await checkpointer.stop();
    database.remove();
  }
});

it('does not ask for a restart while the WAL is under its limit', async () => {
  const database = databaseWithWalFrames(64);
  const checkpointer = new Checkpointer(database.path, { restartAboveFrames: 10_000, intervalMs: 5, copyEveryChecks: 1_000_000 });
  try {
    assert.equal(await waitFor(() => checkpointer.restartWanted, 200), false);
  } finally {
    await checkpointer.stop();
    database.remove();
  }
});

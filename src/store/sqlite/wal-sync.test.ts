import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { WalSync } from './wal-sync.ts';

/** A WAL file in a temp folder, for the duration of `use`. */
async function withWalFile(use: (walPath: string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-walsync-'));
  const walPath = join(directory, 'db-wal');
  writeFileSync(walPath, 'frames');
  try {
    await use(walPath);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

type HeldSync = { fileDescriptor: number; finish: (error?: NodeJS.ErrnoException) => void };

/** A WalSync whose fdatasyncs finish only when the test says so (each call recorded), over a temp WAL file. */
async function withHeldSyncs(use: (walSync: WalSync, calls: HeldSync[]) => Promise<void>): Promise<void> {
  await withWalFile(async (walPath) => {
    const calls: HeldSync[] = [];
    const walSync = new WalSync(walPath, (fileDescriptor, callback) => {
      calls.push({ fileDescriptor, finish: (error) => callback(error ?? null) });
    });
    try {
      await use(walSync, calls);
    } finally {
      walSync.close();
    }
  });
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

it('starts each commit its own sync at once, and resolves it only when that sync ends', async () => {
  await withHeldSyncs(async (walSync, calls) => {
    const first = walSync.afterCommit();
    // Committed while the first sync runs: its own sync starts now, not after the first ends.
    const second = walSync.afterCommit();
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.fileDescriptor, calls[1]!.fileDescriptor);
    calls[1]!.finish();
    await second;
    assert.equal(await settled(first), false, 'the first commit is not durable before its own sync ends');
    calls[0]!.finish();
    await first;
  });
});

it('fails the commit whose sync failed, and only that one', async () => {
  await withHeldSyncs(async (walSync, calls) => {
    const first = walSync.afterCommit();
    const second = walSync.afterCommit();
    calls[0]!.finish(Object.assign(new Error('EIO'), { code: 'EIO' }));
    calls[1]!.finish();
    await assert.rejects(first, /EIO/);
    await second;
  });
});

it('syncs a real WAL file', async () => {
  await withWalFile(async (walPath) => {
    const walSync = new WalSync(walPath);
    try {
      await Promise.all([walSync.afterCommit(), walSync.afterCommit()]);
      walSync.syncNow();
    } finally {
      walSync.close();
    }
  });
});

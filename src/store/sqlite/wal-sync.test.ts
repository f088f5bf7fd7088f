import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { WalSync } from './wal-sync.ts';

it('never lets a commit ride on a sync that started before it', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-walsync-'));
  const walPath = join(directory, 'db-wal');
  writeFileSync(walPath, 'frames');
  const sync = new WalSync(walPath);
  try {
    const order: string[] = [];
    const first = sync.afterCommit().then(() => order.push('first'));
    // Committed while the first sync runs: must wait for a second sync, shared by both later commits.
    const second = sync.afterCommit();
    const third = sync.afterCommit();
    assert.notEqual(second, first);
    assert.equal(second, third, 'commits made during one sync share the next one');
    await Promise.all([first, second.then(() => order.push('second'))]);
    assert.deepEqual(order, ['first', 'second']);
    // Idle again: the next commit starts its own sync.
    await sync.afterCommit();
  } finally {
    sync.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

it('lets a commit made as one sync ends, before the next has started, join that next sync', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-walsync-'));
  const walPath = join(directory, 'db-wal');
  writeFileSync(walPath, 'frames');
  const sync = new WalSync(walPath);
  try {
    let late: Promise<void> | undefined;
    // What SqliteStore does when the first batch's sync ends (its wait registered before any later commit):
    // run the batch it held back, in the next turn.
    const firstEnded = sync.afterCommit().then(() => new Promise<void>((resolve) => setImmediate(() => ((late = sync.afterCommit()), resolve()))));
    const second = sync.afterCommit(); // committed while the first sync runs: waits for the next one
    await firstEnded;
    assert.equal(late, second, 'the held batch rides on the sync that has not started yet');
    await second;
    // Once that sync has started, a commit waits for another one.
    const third = sync.afterCommit();
    assert.notEqual(third, second);
    await third;
  } finally {
    sync.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

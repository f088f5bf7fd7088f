import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SqliteStore } from './sqlite-store.ts';

/**
 * How many of `count` operations queued in one turn, on a fresh store, ran in the first transaction. Which batches
 * follow depends on when the first fsync ends; the first batch never does (nothing awaits an fsync yet).
 */
async function firstBatchOf(count: number): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-batch-split-'));
  let begins = 0;
  const store = new SqliteStore(join(directory, 'split.db'), { onStatement: (sql) => (begins += sql === 'BEGIN IMMEDIATE' ? 1 : 0) });
  try {
    await store.migrate();
    begins = 0;
    // Each operation tells which transaction it ran in.
    const transactionOf = await Promise.all(Array.from({ length: count }, () => store.transaction(async () => begins)));
    assert.ok(transactionOf.every((transaction) => transaction >= 1));
    return transactionOf.filter((transaction) => transaction === 1).length;
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

it('splits a long queue in two when no batch awaits its fsync, so one half is computed while the other syncs', async () => {
  assert.equal(await firstBatchOf(1), 1);
  assert.equal(await firstBatchOf(16), 16);
  assert.equal(await firstBatchOf(17), 9);
  assert.equal(await firstBatchOf(40), 20);
  // Never more than 256 in one transaction.
  assert.equal(await firstBatchOf(600), 256);
});

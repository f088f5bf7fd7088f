import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ensureEnvironment } from '../../app/api-keys.ts';
import { composeDependencies } from '../../cli/composition-root.ts';
import { SqliteStore } from './sqlite-store.ts';

/** Counts fdatasync calls on this thread and on the pool while `work` runs (node:fs spied on, its ESM bindings synced). */
async function countSyncs(work: () => Promise<void>): Promise<{ inline: number; pooled: number }> {
  const counts = { inline: 0, pooled: 0 };
  const { fdatasyncSync, fdatasync } = fs;
  fs.fdatasyncSync = (fileDescriptor) => {
    counts.inline += 1;
    fdatasyncSync(fileDescriptor);
  };
  fs.fdatasync = ((fileDescriptor: number, callback: fs.NoParamCallback) => {
    counts.pooled += 1;
    fdatasync(fileDescriptor, callback);
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  try {
    await work();
  } finally {
    Object.assign(fs, { fdatasyncSync, fdatasync });
    syncBuiltinESMExports();
  }
  return counts;
}

it('fsyncs a lone commit on the event loop by default, and on the thread pool when told not to block it', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-lone-commit-'));
  try {
    const seen: Record<string, { inline: number; pooled: number }> = {};
    for (const inlineLoneCommitSync of [undefined, false]) {
      // Made inside: the store takes its pooled fdatasync when it is made. Migrating commits through SQLite alone.
      seen[String(inlineLoneCommitSync)] = await countSyncs(async () => {
        const store = new SqliteStore(join(directory, `${String(inlineLoneCommitSync)}.db`), inlineLoneCommitSync === undefined ? {} : { inlineLoneCommitSync });
        await store.migrate();
        await ensureEnvironment(composeDependencies(store), 'test');
        await store.close();
      });
    }
    assert.deepEqual(seen, { undefined: { inline: 1, pooled: 0 }, false: { inline: 0, pooled: 1 } });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

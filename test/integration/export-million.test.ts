import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse';
import { createApiKey } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { exactDecimal } from '../support/exact-decimal.ts';
import { insertIntoSqliteFile, seedLedger, type SeededLedger } from '../support/ledger-seed.ts';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

/**
 * The proof: a 1,000,000-row ledger export from the real `serve`
 * streams in constant memory and its rows sum to the balances.
 *
 * Memory is the server's resident anonymous memory (RssAnon in /proc: the heap
 * and everything else a process allocates). The file-backed part of RSS is left
 * out: SQLite maps the database file into memory, and reading a big file through
 * that map raises RSS by pages the kernel can drop at will, buffering nothing.
 * The server runs with a 96 MiB heap, and 1,000,100 rows of this CSV are about
 * 200 MB of text: buffered, they would neither fit in the heap nor under the bound.
 */
const WALLETS = 100;
const DEBITS_PER_WALLET = 10_000;
const HEAP_MIB = 96;

function anonymousMemory(pid: number): number {
  const kilobytes = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  assert.ok(kilobytes, 'RssAnon in /proc/<pid>/status');
  return Number(kilobytes) * 1024;
}

describe('a 1,000,000-row ledger export', () => {
  let directory: string;
  let served: ServedProcess;
  let key: string;
  let seeded: SeededLedger;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'creditbook-export-million-'));
    const database = join(directory, 'million.db');
    const store = new SqliteStore(database);
    await store.migrate();
    const start = Date.UTC(2025, 0, 1);
    const dependencies = composeDependencies(store, { clock: { now: () => start } });
    key = (await createApiKey(dependencies, 'live')).key;
    const environment = (await store.read((repository) => repository.accounts.listEnvironments())).find((candidate) => candidate.mode === 'live')!;
    const bulk = insertIntoSqliteFile(database);
    try {
      seeded = await seedLedger(dependencies, { environment, requestId: 'seed' }, { wallets: WALLETS, debitsPerWallet: DEBITS_PER_WALLET, start, insert: bulk.insert });
    } finally {
      bulk.close();
    }
    await store.close();
    // A heap far smaller than the export: a server that buffered the rows would run out of memory and die.
    served = await startServe({ database, env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` } });
  });

  after(async () => {
    await served?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('streams in constant memory, through a client that stops reading for a while, and its rows sum to the balances', async () => {
    const pid = served.process.pid!;
    const query = new URLSearchParams({ from: new Date(seeded.from).toISOString(), to: new Date(seeded.to + 1).toISOString(), format: 'csv' });
    const url = `${served.baseUrl}/v1/exports/ledger?${query}`;
    const baseline = anonymousMemory(pid);
    // The peak while the first quarter streams, and after it (reported, to see when memory grows).
    const peak = { early: baseline, late: 0 };
    let rows = 0;
    const sample = () => {
      const phase = rows < 250_000 ? 'early' : 'late';
      peak[phase] = Math.max(peak[phase], anonymousMemory(pid));
    };
    const sampler = setInterval(sample, 25);

    const sums = new Map<string, bigint>();
    let previous = '';
    let pausedAt = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        request(url, { headers: { authorization: `Bearer ${key}` } }, (response) => {
          assert.equal(response.statusCode, 200);
          assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
          const parser = parse({ columns: true });
          response.pipe(parser);
          parser.on('data', (row: Record<string, string>) => {
            rows += 1;
            const order = `${row.effectiveAt}|${row.id}`;
            if (order <= previous) reject(new Error(`row ${rows} is out of (effectiveAt, id) order: ${order} after ${previous}`));
            previous = order;
            sums.set(row.customerId!, (sums.get(row.customerId!) ?? 0n) + exactDecimal(row.amount!));
            // A client that stops reading: the server must stop producing, not buffer what it cannot send.
            if (rows === 300_000) {
              pausedAt = Date.now();
              response.unpipe(parser);
              response.pause();
              setTimeout(() => {
                sample();
                response.pipe(parser);
                response.resume();
              }, 2000);
            }
          });
          parser.on('end', resolve);
          parser.on('error', reject);
          response.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
    } finally {
      clearInterval(sampler);
    }
    sample();

    assert.ok(pausedAt > 0, 'the client paused');
    assert.equal(rows, seeded.entries, 'every entry, once');
    assert.equal(sums.size, WALLETS);
    for (const customerId of seeded.customerIds) {
      const balance = await fetch(`${served.baseUrl}/v1/balances?customerId=${customerId}&unit=${seeded.unit}`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(balance.status, 200);
      const available = ((await balance.json()) as { available: string }).available;
      assert.equal(sums.get(customerId), exactDecimal(available), `${customerId}: the exported amounts sum to the balance`);
    }
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    const grown = Math.max(peak.early, peak.late) - baseline;
    console.log(`export of ${rows} rows: RssAnon ${mib(baseline)} MiB before, peak ${mib(peak.early)} MiB in the first 250,000 rows, ${mib(peak.late)} MiB after`);
    // What may grow: SQLite's page cache (64 MiB; it fills once the walk passes the memory-mapped part of the file) and
    // the heap up to its cap. The export itself is about 200 MB of CSV: buffered, it would not fit under this bound
    // (nor in the heap: the server would die, and the row count above would be short).
    assert.ok(grown < 64 * 2 ** 20 + HEAP_MIB * 2 ** 20, `memory grew by ${mib(grown)} MiB while streaming`);
  });
});

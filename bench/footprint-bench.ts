import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCustomer, createUnit } from '../src/app/accounts.ts';
import { createApiKey } from '../src/app/api-keys.ts';
import { composeDependencies } from '../src/cli/composition-root.ts';
import { createDebit } from '../src/app/debits.ts';
import { createGrant } from '../src/app/grants.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { formatCount, formatMb, plainLine, progress } from './format.ts';
import { measureSequential, runPool } from './measure.ts';
import { plannedDebit } from './workload.ts';
import { memoryOf, startCreditbook, verifyDatabase, type ServerProcess } from './processes.ts';

export interface FootprintOptions {
  customers: number;
  grantsPerCustomer: number;
  /** Concurrent createGrant calls while seeding (group commit batches them). */
  concurrency: number;
  balanceReads: number;
  /** Seconds of one-per-transaction debits on the seeded database once the server has stopped. */
  debitSeconds: number;
}

interface Seeded {
  key: string;
  environmentId: string;
  customerIds: string[];
  grantsPerSecond: number;
}

/** Seeds grants through the app layer on the database file the server will open. */
async function seedGrants(path: string, options: FootprintOptions): Promise<Seeded> {
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    const dependencies = composeDependencies(store);
    const { key, record } = await createApiKey(dependencies, 'test');
    const environment = (await store.read((repository) => repository.accounts.getEnvironment(record.environmentId)))!;
    const context = { environment, requestId: 'bench-seed' };
    await createUnit(dependencies, context, { code: 'credits', scale: 4 });
    const customerIds: string[] = new Array(options.customers);
    await runPool(options.customers, options.concurrency, async (index) => {
      const outcome = await createCustomer(dependencies, { context, input: {}, present: (customer) => ({ status: 201, body: customer.id }) });
      customerIds[index] = outcome.body as string;
    });
    const total = options.customers * options.grantsPerCustomer;
    const startedAt = performance.now();
    await runPool(total, options.concurrency, (index) =>
      createGrant(dependencies, {
        context,
        input: { customerId: customerIds[index % options.customers]!, unit: 'credits', amount: String(100 + (index % 900)), category: index % 2 ? 'paid' : 'promotional' },
        present: () => ({ status: 201, body: null }),
      }),
    );
    return { key, environmentId: record.environmentId, customerIds, grantsPerSecond: total / ((performance.now() - startedAt) / 1000) };
  } finally {
    await store.close();
  }
}

/** The background passes begin a second after the server listens; no reading counts as steady before this. */
const MIN_SETTLE_MS = 4_000;

/** Samples the server's memory every 500 ms until its RSS grew less than 1 MB over the last 2 s (or `limitMs` passed). */
async function settledMemory(pid: number, limitMs: number): Promise<{ memory: ReturnType<typeof memoryOf>; afterMs: number }> {
  const startedAt = performance.now();
  const samples = [memoryOf(pid)];
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    samples.push(memoryOf(pid));
    const elapsed = performance.now() - startedAt;
    const twoSecondsAgo = samples[samples.length - 5];
    const steady = elapsed >= MIN_SETTLE_MS && twoSecondsAgo !== undefined && samples.at(-1)!.rssKb - twoSecondsAgo.rssKb < 1024;
    if (steady || elapsed > limitMs) return { memory: samples.at(-1)!, afterMs: elapsed };
  }
}

/**
 * One debit per transaction through the app layer on the seeded database, after the server has stopped: the same
 * work as figure 1's first line, on a database that has outgrown the writer's page cache.
 */
async function debitsOnSeeded(path: string, seeded: Seeded, seconds: number): Promise<number> {
  const store = new SqliteStore(path);
  try {
    const dependencies = composeDependencies(store);
    const environment = (await store.read((repository) => repository.accounts.getEnvironment(seeded.environmentId)))!;
    const context = { environment, requestId: 'bench-debits' };
    const debit = (index: number) =>
      createDebit(dependencies, {
        context,
        input: { customerId: seeded.customerIds[(index * 7919) % seeded.customerIds.length]!, unit: 'credits', amount: plannedDebit(index).amount },
        present: () => ({ status: 201, body: null }),
      });
    // As long a warm-up as the measurement: the writer's cache fills with the pages debits write.
    await measureSequential(debit, seconds);
    return (await measureSequential(debit, seconds, 1_000_000)).perSecond;
  } finally {
    await store.close();
  }
}

/** Figure 4: cold start and the server's RSS over a database holding many grants. No baseline. */
export async function runFootprintBench(options: FootprintOptions, coldStartEmptyMs: number): Promise<string[]> {
  const directory = makeTempDirectory('creditbook-bench-footprint-');
  let server: ServerProcess | undefined;
  try {
    const total = options.customers * options.grantsPerCustomer;
    progress(`footprint: seeding ${formatCount(total)} grants over ${formatCount(options.customers)} wallets in-process (createGrant, ${options.concurrency} in flight)`);
    const database = join(directory, 'creditbook.db');
    const seeded = await seedGrants(database, options);
    progress('footprint: starting the real server on the seeded database');
    server = await startCreditbook(database);
    for (let read = 0; read < options.balanceReads; read += 1) {
      const customerId = seeded.customerIds[(read * 97) % seeded.customerIds.length];
      const response = await fetch(`${server.baseUrl}/v1/balances?customerId=${customerId}&unit=credits`, { headers: { authorization: `Bearer ${seeded.key}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`balance read failed: ${response.status} ${body}`);
    }
    // The background passes start a second after listening; memory is read once it has stopped growing.
    const settled = await settledMemory(server.pid, 30_000);
    const memory = settled.memory;
    const coldStartMs = server.coldStartMs;
    await server.stop();
    server = undefined;
    progress('footprint: one debit per transaction in-process on the seeded database');
    const debitsPerSecond = await debitsOnSeeded(database, seeded, options.debitSeconds);
    return [
      plainLine('cold start to first /healthz, empty db', `${formatCount(coldStartEmptyMs)} ms`),
      plainLine(`cold start to first /healthz, ${formatCount(total)} grants`, `${formatCount(coldStartMs)} ms`),
      plainLine(
        `server RSS, ${formatCount(total)} grants, settled`,
        `${formatMb(memory.rssKb)}  (anonymous ${formatMb(memory.anonymousKb)}, file-backed ${formatMb(memory.fileKb)}; peak ${formatMb(memory.peakKb)}; steady ${(settled.afterMs / 1000).toFixed(1)} s after the reads)`,
      ),
      plainLine('in-process createGrant/s while seeding', formatCount(seeded.grantsPerSecond)),
      plainLine(`in-process debits/s, 1 per transaction, ${formatCount(total)} grants`, formatCount(debitsPerSecond)),
      plainLine('verify after those debits', verifyDatabase(database)),
    ];
  } finally {
    await server?.stop();
    removeTempDirectory(directory);
  }
}

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCustomer, createUnit } from '../src/app/accounts.ts';
import { createApiKey } from '../src/app/api-keys.ts';
import { composeDependencies } from '../src/cli/composition-root.ts';
import { createGrant } from '../src/app/grants.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { formatCount, formatMb, plainLine, progress } from './format.ts';
import { runPool } from './measure.ts';
import { memoryOf, startCreditbook, type ServerProcess } from './processes.ts';

export interface FootprintOptions {
  customers: number;
  grantsPerCustomer: number;
  /** Concurrent createGrant calls while seeding (group commit batches them). */
  concurrency: number;
  balanceReads: number;
}

interface Seeded {
  key: string;
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
    return { key, customerIds, grantsPerSecond: total / ((performance.now() - startedAt) / 1000) };
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
    const memory = memoryOf(server.pid);
    return [
      plainLine('cold start to first /healthz, empty db', `${formatCount(coldStartEmptyMs)} ms`),
      plainLine(`cold start to first /healthz, ${formatCount(total)} grants`, `${formatCount(server.coldStartMs)} ms`),
      plainLine(`server RSS, ${formatCount(total)} grants + ${options.balanceReads} balance reads`, `${formatMb(memory.rssKb)}  (peak ${formatMb(memory.peakKb)})`),
      plainLine('in-process createGrant/s while seeding', formatCount(seeded.grantsPerSecond)),
    ];
  } finally {
    await server?.stop();
    removeTempDirectory(directory);
  }
}

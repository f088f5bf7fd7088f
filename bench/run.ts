import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { cleanupNow, installCleanupHandlers } from './cleanup.ts';
import { sectionHeading } from './format.ts';
import { runFootprintBench } from './footprint-bench.ts';
import { runHttpBench } from './http-bench.ts';
import { runInProcessBench } from './in-process-bench.ts';
import { runPostgresBench } from './postgres-bench.ts';
import { machineCpu, stolenSince } from './process-cpu.ts';
import { SERVER_NODE_FLAGS } from './processes.ts';
import { runStatementCounts } from './statement-counts.ts';
import { runUsageBench } from './usage-bench.ts';

/**
 * `npm run bench`: every creditbook figure beside a baseline doing the same
 * work, measured in the same run. Measures and prints; asserts nothing.
 * See bench/README.md for what each figure measures.
 */
const settings = {
  inProcess: { seconds: 2, rounds: 3, warmupSeconds: 1, inFlight: 256, rawBatchSize: 256, walWarmupLimitSeconds: 20 },
  counts: { operations: 200, batch: 32 },
  http: { seconds: 4, saturationRounds: 3, pacedRate: 2000, pacedSeconds: 5, pacedRounds: 3, saturationConnections: 64, customers: 200, walWarmupLimitSeconds: 20, readWarmupSeconds: 6 },
  footprint: { customers: 10_000, grantsPerCustomer: 10, concurrency: 256, balanceReads: 20, debitSeconds: 4 },
  postgres: {
    adminUrl: process.env.CREDITBOOK_BENCH_POSTGRES_URL ?? process.env.CREDITBOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    seconds: 1.5,
    rounds: 2,
    warmupSeconds: 1,
    clients: [8, 32],
    hotClients: 32,
    http: { rate: 1000, seconds: 2.5, rounds: 2, warmupSeconds: 1, customers: 100 },
  },
  usage: {
    seconds: 2,
    rounds: 2,
    batchSize: 1000,
    postgresAdminUrl: process.env.CREDITBOOK_BENCH_POSTGRES_URL ?? process.env.CREDITBOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    check: { rate: 2000, seconds: 5, rounds: 2, warmupSeconds: 2 },
  },
};

/** `npm run bench -- --postgres-only` runs only section 5; `--usage-only` only section 6. */
const postgresOnly = process.argv.includes('--postgres-only');
const usageOnly = process.argv.includes('--usage-only');

function formatLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function header(): string[] {
  const processors = cpus();
  const sqliteVersion = (() => {
    const database = new Database(':memory:');
    try {
      return (database.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
    } finally {
      database.close();
    }
  })();
  return [
    'Creditbook benchmark',
    `node ${process.version} (${SERVER_NODE_FLAGS.join(' ')}, as \`npm start\`) | ${processors.length} CPUs (${processors[0]?.model.trim() ?? 'unknown'}) | ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM | SQLite ${sqliteVersion} | temp files in ${tmpdir()}`,
    `load average at start: ${formatLoad()} (other work on the machine skews every figure)`,
    'ratio = creditbook / baseline: for rates higher is better, for latencies lower is better.',
    'HTTP: server, baseline server and autocannon are separate processes; on this machine the load generator competes with the server for the same cores.',
  ];
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const startedAt = performance.now();
  console.log(header().join('\n'));

  const runStartedCpu = machineCpu();
  let sectionCpu = runStartedCpu;
  const stolenLine = () => {
    console.log(`(CPU stolen by the hypervisor during this section: ${stolenSince(sectionCpu)} of the machine's time)`);
    sectionCpu = machineCpu();
  };

  if (!postgresOnly && !usageOnly) {
    console.log(sectionHeading('1. In-process debits (SQLite temp file, WAL; baseline synchronous=FULL, creditbook an fdatasync of the WAL per commit, the same durability; 100 wallets x 5 grants)'));
    for (const line of await runInProcessBench(settings.inProcess)) console.log(line);
    stolenLine();

    console.log(sectionHeading('1b. Statements and WAL bytes (deterministic counts: creditbook through the API in process, the raw script of figure 1)'));
    for (const line of await runStatementCounts(settings.counts)) console.log(line);
    sectionCpu = machineCpu(); // counts, which no other work on the machine can move

    console.log(sectionHeading(`2-3. HTTP (real \`creditbook serve\` vs the minimal route, the minimal route writing creditbook's rows, and bare Fastify; paced open-loop load at ${settings.http.pacedRate}/s, saturation with autocannon at ${settings.http.saturationConnections} connections; each load in its own process)`));
    const http = await runHttpBench(settings.http);
    for (const line of http.lines) console.log(line);
    stolenLine();

    console.log(sectionHeading('4. Start-up and memory (no baseline)'));
    for (const line of await runFootprintBench(settings.footprint, http.coldStartEmptyMs)) console.log(line);
    stolenLine();
  }

  if (!usageOnly) {
    console.log(sectionHeading('5. PostgreSQL (scratch databases on the local server; baselines: naive = FOR UPDATE transaction of several statements, one-statement = one CTE)'));
    for (const line of await runPostgresBench(settings.postgres)) console.log(line);
    stolenLine();
  }

  if (!postgresOnly) {
    console.log(sectionHeading('6. Rated usage (batched ingest beside a raw script doing the same rating and writes; check latency beside bare Fastify)'));
    for (const line of await runUsageBench(settings.usage)) console.log(line);
    stolenLine();
  }

  console.log(`\nbench took ${((performance.now() - startedAt) / 1000).toFixed(0)} s; load average at end: ${formatLoad()}; CPU stolen by the hypervisor: ${stolenSince(runStartedCpu)} of the machine's time`);
}

/**
 * Section 1 runs creditbook in this process, so this process runs with the Node and V8 flags `npm start` gives the
 * server (SERVER_NODE_FLAGS), as every server the bench starts does: started without them, it runs itself again with
 * them. Without them, once the bench's other modules were loaded, V8's allocation-site pretenuring sent a batched
 * in-process debit's objects to the old generation: 44–46 µs of CPU a debit against 38–42, scavenges twice as long,
 * and the batched ratio 0.52–0.55 against 0.58 with them (bench/README.md, section 1).
 */
function runAgainWithServerFlags(): boolean {
  if (SERVER_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) return false;
  const again = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = again.status ?? 1;
  return true;
}

if (!runAgainWithServerFlags()) {
  main().then(
    () => cleanupNow(),
    (error: unknown) => {
      console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
      cleanupNow();
      process.exitCode = 1;
    },
  );
}

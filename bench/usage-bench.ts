import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { AppUsage } from './app-usage.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, formatMs, formatUs, plainLine, progress } from './format.ts';
import { cpuOf, cpuRounds, failureNote, p99Rounds, runPacedLoad, type LoadResult } from './load.ts';
import { runPool } from './measure.ts';
import { createDatabase, type ScratchDatabase } from './postgres-bench.ts';
import { printedTestKey, startBareFastify, startCreditbook, verifyDatabase, type ServerProcess } from './processes.ts';
import { RawUsage } from './raw-usage.ts';
import { plannedUsage, USAGE_CUSTOMERS, USAGE_FEATURE, USAGE_GRANTS, USAGE_PRICES, USAGE_UNIT, USAGE_UNIT_SCALE } from './usage-workload.ts';

/**
 * Figure 6, rated usage:
 * - batched ingest, events/s: batches of `batchSize` events through
 *   `recordUsageEvents` (the batch endpoint's use case) vs the raw script of
 *   raw-usage.ts doing the same rating and writes with one batch per
 *   transaction; on SQLite (temp files) and on PostgreSQL (scratch databases);
 * - `POST /v1/entitlements/check` latency and server CPU at a paced, open-loop rate
 *   against the real server, beside bare Fastify answering a constant.
 */
export interface UsageBenchOptions {
  seconds: number;
  rounds: number;
  batchSize: number;
  postgresAdminUrl: string;
  /** Paced checks: requests/s offered, seconds per server per round, rounds (the servers take turns), unrecorded warm-up. */
  check: { rate: number; seconds: number; rounds: number; warmupSeconds: number };
}

interface Contender {
  batch: (first: number, count: number, run: string) => Promise<void>;
  next: number;
}

/** Alternates the contenders for `rounds` rounds of `seconds` each (after one warm-up batch); events/s per contender. */
async function measureIngest(contenders: Contender[], options: UsageBenchOptions, run: string): Promise<number[]> {
  const totals = contenders.map(() => ({ events: 0, ms: 0 }));
  for (const contender of contenders) {
    await contender.batch(contender.next, options.batchSize, run);
    contender.next += options.batchSize;
  }
  for (let round = 0; round < options.rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      const startedAt = performance.now();
      const endAt = startedAt + options.seconds * 1000;
      while (performance.now() < endAt) {
        await contender.batch(contender.next, options.batchSize, run);
        contender.next += options.batchSize;
        totals[index]!.events += options.batchSize;
      }
      totals[index]!.ms += performance.now() - startedAt;
    }
  }
  return totals.map((total) => (total.events * 1000) / total.ms);
}

async function ingestOnSqlite(options: UsageBenchOptions): Promise<string[]> {
  const directory = makeTempDirectory('creditbook-bench-usage-');
  const databasePath = join(directory, 'creditbook.db');
  let app: AppUsage | undefined;
  let raw: Awaited<ReturnType<typeof RawUsage.sqlite>> | undefined;
  try {
    progress('usage: seeding 100 customers x 2 grants and 4 prices on SQLite, for creditbook and the raw script');
    app = await AppUsage.open(new SqliteStore(databasePath));
    raw = await RawUsage.sqlite(join(directory, 'raw.db'));
    progress(`usage: batched ingest on SQLite, ${options.rounds} x ${options.seconds} s each`);
    const [ours, baseline] = await measureIngest([{ batch: app.batch.bind(app), next: 0 }, { batch: raw.batch, next: 0 }], options, 'sqlite');
    await app.close();
    app = undefined;
    return [
      figureLine({ label: `usage events/s, SQLite, batches of ${options.batchSize}`, ours: ours!, baselineName: 'raw better-sqlite3', baseline: baseline!, format: formatCount }),
      plainLine('verify after the SQLite usage ingest', verifyDatabase(databasePath)),
    ];
  } finally {
    await app?.close();
    raw?.close();
    removeTempDirectory(directory);
  }
}

async function ingestOnPostgres(options: UsageBenchOptions): Promise<string[]> {
  try {
    const probe = new pg.Client({ connectionString: options.postgresAdminUrl, connectionTimeoutMillis: 3000 });
    await probe.connect();
    await probe.end();
  } catch (error) {
    return [`usage events/s, PostgreSQL: skipped (${error instanceof Error ? error.message : String(error)})`];
  }
  const databases: ScratchDatabase[] = [];
  let app: AppUsage | undefined;
  let raw: Awaited<ReturnType<typeof RawUsage.postgres>> | undefined;
  try {
    databases.push(await createDatabase(options.postgresAdminUrl, 'usage_ours'), await createDatabase(options.postgresAdminUrl, 'usage_raw'));
    progress('usage: seeding on PostgreSQL scratch databases');
    app = await AppUsage.open(new PostgresStore(databases[0]!.url, { poolSize: 10 }));
    raw = await RawUsage.postgres(databases[1]!.url);
    progress(`usage: batched ingest on PostgreSQL, ${options.rounds} x ${options.seconds} s each`);
    const [ours, baseline] = await measureIngest([{ batch: app.batch.bind(app), next: 0 }, { batch: raw.batch, next: 0 }], options, 'postgres');
    await app.close();
    app = undefined;
    return [
      figureLine({
        label: `usage events/s, PostgreSQL, batches of ${options.batchSize}`,
        ours: ours!,
        baselineName: 'raw pg',
        baseline: baseline!,
        format: formatCount,
        note: '(creditbook: pool of 10, coalesced per wallet; raw: one connection, one transaction per batch)',
      }),
      plainLine('verify after the PostgreSQL usage ingest', verifyDatabase(databases[0]!.url)),
    ];
  } finally {
    await app?.close();
    await raw?.close();
    for (const database of databases) await database.drop();
  }
}

async function checkLatency(options: UsageBenchOptions): Promise<string[]> {
  const directory = makeTempDirectory('creditbook-bench-check-');
  const servers: ServerProcess[] = [];
  try {
    progress('usage: starting the real server and setting up prices, customers and grants over HTTP');
    const ours = await startCreditbook(join(directory, 'creditbook.db'));
    servers.push(ours);
    const key = await printedTestKey(ours);
    const call = async (path: string, body: unknown): Promise<any> => {
      const response = await fetch(`${ours.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${path} -> ${response.status}: ${await response.text()}`);
      return response.json();
    };
    await call('/v1/units', { code: USAGE_UNIT, scale: USAGE_UNIT_SCALE });
    await call('/v1/features', { key: USAGE_FEATURE, dimensions: ['model', 'direction'], quantityScale: 0 });
    const customerIds: string[] = new Array(USAGE_CUSTOMERS);
    await runPool(USAGE_CUSTOMERS, 16, async (index) => {
      customerIds[index] = (await call('/v1/customers', {})).id;
      for (const grant of USAGE_GRANTS) await call('/v1/grants', { customerId: customerIds[index], unit: USAGE_UNIT, ...grant });
    });
    for (const { customer, ...price } of USAGE_PRICES) {
      await call('/v1/prices', { feature: USAGE_FEATURE, unit: USAGE_UNIT, ...price, ...(customer === null ? {} : { customerId: customerIds[customer] }) });
    }
    const bare = await startBareFastify();
    servers.push(bare);
    const bodies = Array.from({ length: 1024 }, (_, index) => {
      const planned = plannedUsage(index);
      return JSON.stringify({ customerId: customerIds[planned.customer], feature: USAGE_FEATURE, quantity: planned.quantity, dimensions: planned.dimensions });
    });
    progress(`usage: POST /v1/entitlements/check paced at ${options.check.rate}/s, creditbook / bare Fastify in turn, ${options.check.rounds} x ${options.check.seconds} s each`);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const [oursResult, baselineResult] = (await runPacedLoad(
      {
        targets: [ours, bare].map((server) => ({ baseUrl: server.baseUrl, paths: ['/v1/entitlements/check'], bodies, headers, pid: server.pid })),
        rate: options.check.rate,
        seconds: options.check.seconds,
        rounds: options.check.rounds,
        warmupSeconds: options.check.warmupSeconds,
      },
      directory,
    )) as [LoadResult, LoadResult];
    const notes = [failureNote(oursResult), failureNote(baselineResult)];
    const failed = notes.some(Boolean) ? `(creditbook: ${notes[0] ?? 'ok'}; baseline: ${notes[1] ?? 'ok'})` : undefined;
    const rate = `@${formatCount(options.check.rate)}/s paced`;
    const line = (label: string, oursValue: number, baselineValue: number, format: (value: number) => string, note?: string) =>
      figureLine({ label: `POST /v1/entitlements/check ${rate}: ${label}`, ours: oursValue, baselineName: 'bare Fastify', baseline: baselineValue, format, ...(note ? { note } : {}) });
    return [
      line('achieved/s', oursResult.okPerSecond, baselineResult.okPerSecond, formatCount, failed),
      line('p50 ms', oursResult.p50Ms, baselineResult.p50Ms, formatMs),
      line('p99 ms', oursResult.p99Ms, baselineResult.p99Ms, formatMs, `(${p99Rounds(oursResult, baselineResult)})`),
      line('server CPU/check', cpuOf(oursResult), cpuOf(baselineResult), formatUs, `(${cpuRounds(oursResult, baselineResult)})`),
    ];
  } finally {
    for (const server of servers) await server.stop();
    removeTempDirectory(directory);
  }
}

export async function runUsageBench(options: UsageBenchOptions): Promise<string[]> {
  return [...(await ingestOnSqlite(options)), ...(await ingestOnPostgres(options)), ...(await checkLatency(options))];
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, formatMs, formatRatio, formatUs, plainLine, progress } from './format.ts';
import { cpuOf, cpuRounds, failureNote, p99Rounds, runLoad, runPacedLoad, type LoadResult } from './load.ts';
import { runPool } from './measure.ts';
import { cpuMsOf } from './process-cpu.ts';
import { printedTestKey, startBareFastify, startCreditbook, startMinimalRoute, verifyDatabase, type ServerProcess } from './processes.ts';
import { STEADY_SECONDS, warmWal } from './wal-warmup.ts';
import type { GrantPlan } from './workload.ts';

export interface HttpOptions {
  /** Saturation: seconds per server per round, and rounds (the servers take turns). */
  seconds: number;
  saturationRounds: number;
  /** Paced figures: requests/s offered, seconds per server per round, rounds. */
  pacedRate: number;
  pacedSeconds: number;
  pacedRounds: number;
  saturationConnections: number;
  customers: number;
  /** At most this long paced debits before the figures, until creditbook's WAL file stops growing (wal-warmup.ts). */
  walWarmupLimitSeconds: number;
  /**
   * Unrecorded paced balance reads on each server before the read figures. Creditbook's read path runs nowhere
   * before this phase, so its first seconds run while V8 still compiles it: 154–165 µs of CPU per read over the
   * first 4 s here, 95–124 µs after (bench/README.md, section 3). The debit path is warm by then (wal-warmup.ts).
   */
  readWarmupSeconds: number;
}

export interface HttpBenchResult {
  lines: string[];
  /** Real server, empty database: spawn to first /healthz 200 (includes migrations and creating the test key). */
  coldStartEmptyMs: number;
}

const UNIT = 'credits';
const DEBIT_AMOUNTS = ['0.25', '1', '1.5', '0.0125', '3.75', '2', '0.5', '7.125'];
const DAY_MS = 24 * 60 * 60 * 1000;

function client(baseUrl: string, key: string) {
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Every customer's grants (three, so debits walk a real burn order); the minimal route seeds the same. */
const HTTP_GRANTS: GrantPlan[] = [
  { amount: '50000', category: 'promotional', priority: 20, expiresInDays: 90 },
  { amount: '10000000', category: 'paid', priority: 50, expiresInDays: null },
  { amount: '2000000', category: 'paid', priority: 60, expiresInDays: null },
];

/** A unit, customers and their HTTP_GRANTS, all over HTTP. */
export async function setUpLedger(server: ServerProcess, key: string, customers: number): Promise<string[]> {
  const call = client(server.baseUrl, key);
  await call('POST', '/v1/units', { code: UNIT, scale: 4 });
  const customerIds: string[] = new Array(customers);
  await runPool(customers, 16, async (index) => {
    customerIds[index] = ((await call('POST', '/v1/customers', { externalId: `bench-${index}` })) as { id: string }).id;
  });
  const grants = customerIds.flatMap((customerId) =>
    HTTP_GRANTS.map(({ amount, category, priority, expiresInDays }) => ({
      customerId,
      unit: UNIT,
      amount,
      category,
      priority,
      ...(expiresInDays === null ? {} : { expiresAt: new Date(Date.now() + expiresInDays * DAY_MS).toISOString() }),
    })),
  );
  await runPool(grants.length, 16, (index) => call('POST', '/v1/grants', grants[index]));
  return customerIds;
}

/** A load run and the server's CPU per request over it. */
interface Measured {
  result: LoadResult;
  cpuUsPerRequest: number;
}

/** A server's pooled saturation rounds, with each round's requests/s. */
type Saturated = Measured & { roundRates: number[] };

/** Each round's ratio of `ours` to `baseline` (they ran the same rounds, in turn). */
function roundRatios(ours: Saturated, baseline: Saturated): string {
  return ours.roundRates.map((rate, index) => formatRatio(rate, baseline.roundRates[index]!)).join(', ');
}

/** autocannon at saturation against one server, with the server's CPU over the run. */
async function saturate(server: ServerProcess, config: Omit<Parameters<typeof runLoad>[0], 'baseUrl'>, directory: string): Promise<Measured> {
  const before = cpuMsOf(server.pid);
  const result = await runLoad({ ...config, baseUrl: server.baseUrl }, directory);
  const cpuMs = cpuMsOf(server.pid) - before;
  return { result, cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, result.ok + result.non2xx) };
}

/**
 * `saturate` each server in turn, `rounds` times, so a slow spell of the machine falls on all of them. Each server's
 * result pools its rounds: counts and seconds add up, CPU is per request over all of them, and the p50 and p99 are
 * the middle round's (autocannon reports percentiles per run, which cannot be pooled exactly); `roundRates` keeps
 * each round's requests/s.
 */
async function saturateInTurn(
  servers: ServerProcess[],
  rounds: number,
  config: Omit<Parameters<typeof runLoad>[0], 'baseUrl'>,
  directory: string,
): Promise<Saturated[]> {
  const runs: Measured[][] = servers.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, server] of servers.entries()) runs[index]!.push(await saturate(server, config, directory));
  }
  return runs.map((measured) => {
    const results = measured.map((run) => run.result);
    const total = (field: 'seconds' | 'ok' | 'non2xx' | 'errors' | 'timeouts') => results.reduce((sum, result) => sum + result[field], 0);
    const requests = total('ok') + total('non2xx');
    const cpuUs = measured.reduce((sum, run) => sum + run.cpuUsPerRequest * (run.result.ok + run.result.non2xx), 0);
    const middle = [...results].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(results.length / 2)]!;
    return {
      result: {
        seconds: total('seconds'),
        ok: total('ok'),
        okPerSecond: total('ok') / total('seconds'),
        non2xx: total('non2xx'),
        errors: total('errors'),
        timeouts: total('timeouts'),
        p50Ms: middle.p50Ms,
        p99Ms: middle.p99Ms,
      },
      cpuUsPerRequest: cpuUs / Math.max(1, requests),
      roundRates: results.map((result) => result.okPerSecond),
    };
  });
}


/**
 * Figures 2 and 3: the real server beside the minimal route (minimal-route-server.ts)
 * and bare Fastify, each in its own process, the load in another. Paced figures
 * use paced-load-worker.ts (open loop, latency from the scheduled send time);
 * saturation uses autocannon. Each figure also reports the server's CPU per request.
 */
export async function runHttpBench(options: HttpOptions): Promise<HttpBenchResult> {
  const directory = makeTempDirectory('creditbook-bench-http-');
  const servers: ServerProcess[] = [];
  try {
    progress('http: starting the real server on an empty database');
    const databasePath = join(directory, 'creditbook.db');
    const ours = await startCreditbook(databasePath);
    servers.push(ours);
    const key = await printedTestKey(ours);
    progress(`http: setting up a unit, ${options.customers} customers and ${options.customers * HTTP_GRANTS.length} grants over HTTP`);
    const customerIds = await setUpLedger(ours, key, options.customers);
    const minimalConfigPath = join(directory, 'minimal-route.json');
    writeFileSync(minimalConfigPath, JSON.stringify({ database: join(directory, 'minimal.db'), key, customerIds, grants: HTTP_GRANTS }));
    const minimal = await startMinimalRoute(minimalConfigPath);
    servers.push(minimal);
    // The same route writing what a Creditbook debit writes besides the accounting: the gap's other side.
    const withRowsConfigPath = join(directory, 'minimal-route-creditbook-rows.json');
    writeFileSync(withRowsConfigPath, JSON.stringify({ database: join(directory, 'minimal-rows.db'), key, customerIds, grants: HTTP_GRANTS, creditbookRows: true }));
    const minimalWithRows = await startMinimalRoute(withRowsConfigPath);
    servers.push(minimalWithRows);
    const bare = await startBareFastify();
    servers.push(bare);

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const bodies = Array.from({ length: 1024 }, (_, index) =>
      JSON.stringify({
        customerId: customerIds[(index * 7919) % customerIds.length],
        unit: UNIT,
        amount: DEBIT_AMOUNTS[index % DEBIT_AMOUNTS.length],
        ...(index % 4 === 0 ? { feature: 'api-call' } : {}),
      }),
    );
    const balancePaths = customerIds.map((customerId) => `/v1/balances?customerId=${customerId}&unit=${UNIT}`);
    const paced = { rate: options.pacedRate, seconds: options.pacedSeconds, rounds: options.pacedRounds, warmupSeconds: 1 };

    progress(`http: debits paced at ${options.pacedRate}/s against creditbook until its WAL file stops growing (at most ${options.walWarmupLimitSeconds} s)`);
    const walWarmup = await warmWal({ baseUrl: ours.baseUrl, walPath: `${databasePath}-wal`, bodies, headers, rate: options.pacedRate, limitSeconds: options.walWarmupLimitSeconds, directory });
    progress(walWarmup === undefined ? `http: creditbook's WAL file still grew after ${options.walWarmupLimitSeconds} s; measuring anyway` : `http: creditbook's WAL file kept its size for ${STEADY_SECONDS} s after ${walWarmup.toFixed(1)} s of debits`);

    progress(`http: debits paced at ${options.pacedRate}/s, creditbook / minimal route / minimal route with creditbook's rows / bare Fastify in turn, ${options.pacedRounds} x ${options.pacedSeconds} s each`);
    const [debitsOurs, debitsMinimal, debitsWithRows, debitsBare] = await runPacedLoad(
      { ...paced, targets: [ours, minimal, minimalWithRows, bare].map((server) => ({ baseUrl: server.baseUrl, paths: ['/v1/debits'], bodies, headers, pid: server.pid })) },
      directory,
    );
    progress(`http: debits at saturation (${options.saturationConnections} connections), creditbook / minimal route / minimal route with creditbook's rows / bare Fastify in turn, ${options.saturationRounds} x ${options.seconds} s each`);
    const saturation = { path: '/v1/debits', bodies, headers, connections: options.saturationConnections, seconds: options.seconds, warmupSeconds: 0 };
    const [saturatedOurs, saturatedMinimal, saturatedWithRows, saturatedBare] = (await saturateInTurn([ours, minimal, minimalWithRows, bare], options.saturationRounds, saturation, directory)) as [Saturated, Saturated, Saturated, Saturated];
    progress(`http: balance reads paced at ${options.pacedRate}/s, creditbook / bare Fastify in turn (after ${options.readWarmupSeconds} s of unrecorded reads on each)`);
    const [balancesOurs, balancesBare] = await runPacedLoad(
      { ...paced, warmupSeconds: options.readWarmupSeconds, targets: [ours, bare].map((server) => ({ baseUrl: server.baseUrl, paths: balancePaths, headers: { authorization: headers.authorization }, pid: server.pid })) },
      directory,
    );

    const lines: string[] = [];
    const line = (
      label: string,
      oursValue: number,
      baselineName: string,
      baselineValue: number,
      format: (value: number) => string,
      failures: Array<LoadResult | undefined> = [],
      detail?: string,
    ) => {
      const notes = failures.map((result) => (result ? failureNote(result) : undefined));
      const failed = notes.some(Boolean) ? `creditbook: ${notes[0] ?? 'ok'}; baseline: ${notes[1] ?? 'ok'}` : undefined;
      const parts = [detail, failed].filter(Boolean);
      const note = parts.length > 0 ? `(${parts.join('; ')})` : undefined;
      lines.push(figureLine({ label, ours: oursValue, baselineName, baseline: baselineValue, format, ...(note ? { note } : {}) }));
    };
    const p99Line = (label: string, oursResult: LoadResult, baselineName: string, baselineResult: LoadResult) => {
      const failures = [oursResult, baselineResult].map(failureNote);
      const failed = failures.some(Boolean) ? `; creditbook: ${failures[0] ?? 'ok'}; baseline: ${failures[1] ?? 'ok'}` : '';
      const note = `(${p99Rounds(oursResult, baselineResult)}${failed})`;
      lines.push(figureLine({ label, ours: oursResult.p99Ms, baselineName, baseline: baselineResult.p99Ms, format: formatMs, note }));
    };
    const rate = `@${formatCount(options.pacedRate)}/s paced`;
    line(`POST /v1/debits ${rate}: achieved/s`, debitsOurs!.okPerSecond, 'bare Fastify', debitsBare!.okPerSecond, formatCount, [debitsOurs, debitsBare]);
    line(`POST /v1/debits ${rate}: p50 ms`, debitsOurs!.p50Ms, 'bare Fastify', debitsBare!.p50Ms, formatMs);
    p99Line(`POST /v1/debits ${rate}: p99 ms`, debitsOurs!, 'bare Fastify', debitsBare!);
    p99Line(`POST /v1/debits ${rate}: p99 ms`, debitsOurs!, 'minimal route', debitsMinimal!);
    p99Line(`POST /v1/debits ${rate}: p99 ms`, debitsOurs!, 'minimal + our rows', debitsWithRows!);
    line(`POST /v1/debits ${rate}: server CPU/debit`, cpuOf(debitsOurs!), 'minimal route', cpuOf(debitsMinimal!), formatUs, [], cpuRounds(debitsOurs!, debitsMinimal!));
    line(`POST /v1/debits ${rate}: server CPU/debit`, cpuOf(debitsOurs!), 'minimal + our rows', cpuOf(debitsWithRows!), formatUs, [], cpuRounds(debitsOurs!, debitsWithRows!));
    line(`POST /v1/debits saturation: req/s`, saturatedOurs.result.okPerSecond, 'minimal route', saturatedMinimal.result.okPerSecond, formatCount, [saturatedOurs.result, saturatedMinimal.result], `rounds' ratios: ${roundRatios(saturatedOurs, saturatedMinimal)}`);
    line(`POST /v1/debits saturation: req/s`, saturatedOurs.result.okPerSecond, 'minimal + our rows', saturatedWithRows.result.okPerSecond, formatCount, [saturatedOurs.result, saturatedWithRows.result], `rounds' ratios: ${roundRatios(saturatedOurs, saturatedWithRows)}`);
    line(`POST /v1/debits saturation: req/s`, saturatedOurs.result.okPerSecond, 'bare Fastify', saturatedBare.result.okPerSecond, formatCount, [undefined, saturatedBare.result]);
    line(`POST /v1/debits saturation: p99 ms`, saturatedOurs.result.p99Ms, 'minimal route', saturatedMinimal.result.p99Ms, formatMs);
    line(`POST /v1/debits saturation: CPU/debit`, saturatedOurs.cpuUsPerRequest, 'minimal route', saturatedMinimal.cpuUsPerRequest, formatUs);
    line(`POST /v1/debits saturation: CPU/debit`, saturatedOurs.cpuUsPerRequest, 'minimal + our rows', saturatedWithRows.cpuUsPerRequest, formatUs);
    line(`GET /v1/balances ${rate}: achieved/s`, balancesOurs!.okPerSecond, 'bare Fastify', balancesBare!.okPerSecond, formatCount, [balancesOurs, balancesBare]);
    line(`GET /v1/balances ${rate}: p50 ms`, balancesOurs!.p50Ms, 'bare Fastify', balancesBare!.p50Ms, formatMs);
    p99Line(`GET /v1/balances ${rate}: p99 ms`, balancesOurs!, 'bare Fastify', balancesBare!);
    line(`GET /v1/balances ${rate}: server CPU/read`, cpuOf(balancesOurs!), 'bare Fastify', cpuOf(balancesBare!), formatUs, [], cpuRounds(balancesOurs!, balancesBare!));

    // `verify` recomputes every balance of the database the load wrote, after the server has stopped.
    await ours.stop();
    lines.push(plainLine('verify after the HTTP load', verifyDatabase(databasePath)));
    return { lines, coldStartEmptyMs: ours.coldStartMs };
  } finally {
    for (const server of servers) await server.stop();
    removeTempDirectory(directory);
  }
}

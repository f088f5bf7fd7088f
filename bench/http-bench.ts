import { join } from 'node:path';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, formatMs, progress } from './format.ts';
import { failureNote, runLoad, type LoadConfig, type LoadResult } from './load.ts';
import { runPool } from './measure.ts';
import { printedTestKey, startBareFastify, startCreditbook, type ServerProcess } from './processes.ts';

export interface HttpOptions {
  seconds: number;
  fixedRate: number;
  fixedRateConnections: number;
  saturationConnections: number;
  customers: number;
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

/** A unit, customers and big grants (three per customer, so debits walk a real burn order), all over HTTP. */
export async function setUpLedger(server: ServerProcess, key: string, customers: number): Promise<string[]> {
  const call = client(server.baseUrl, key);
  await call('POST', '/v1/units', { code: UNIT, scale: 4 });
  const customerIds: string[] = new Array(customers);
  await runPool(customers, 16, async (index) => {
    customerIds[index] = ((await call('POST', '/v1/customers', { externalId: `bench-${index}` })) as { id: string }).id;
  });
  const expiresAt = new Date(Date.now() + 90 * DAY_MS).toISOString();
  const grants = customerIds.flatMap((customerId) => [
    { customerId, unit: UNIT, amount: '50000', category: 'promotional', priority: 20, expiresAt },
    { customerId, unit: UNIT, amount: '10000000', category: 'paid' },
    { customerId, unit: UNIT, amount: '2000000', category: 'paid', priority: 60 },
  ]);
  await runPool(grants.length, 16, (index) => call('POST', '/v1/grants', grants[index]));
  return customerIds;
}

interface Scenario {
  name: string;
  config: (server: ServerProcess) => LoadConfig;
}

interface Measured {
  ours: LoadResult;
  baseline: LoadResult;
}

/** Figures 2 and 3: the real server vs bare Fastify, each in its own process, autocannon in a third. */
export async function runHttpBench(options: HttpOptions): Promise<HttpBenchResult> {
  const directory = makeTempDirectory('creditbook-bench-http-');
  const servers: ServerProcess[] = [];
  try {
    progress('http: starting the real server on an empty database');
    const ours = await startCreditbook(join(directory, 'creditbook.db'));
    servers.push(ours);
    const key = await printedTestKey(ours);
    progress(`http: setting up a unit, ${options.customers} customers and ${options.customers * 3} grants over HTTP`);
    const customerIds = await setUpLedger(ours, key, options.customers);
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
    const scenarios: Scenario[] = [
      {
        name: 'debits-fixed',
        config: (server) => ({
          baseUrl: server.baseUrl,
          path: '/v1/debits',
          bodies,
          headers,
          connections: options.fixedRateConnections,
          overallRate: options.fixedRate,
          seconds: options.seconds,
          warmupSeconds: 2,
        }),
      },
      {
        name: 'debits-saturation',
        config: (server) => ({
          baseUrl: server.baseUrl,
          path: '/v1/debits',
          bodies,
          headers,
          connections: options.saturationConnections,
          seconds: options.seconds,
          warmupSeconds: 0,
        }),
      },
      {
        name: 'balances-fixed',
        config: (server) => ({
          baseUrl: server.baseUrl,
          path: balancePaths[0]!,
          paths: balancePaths,
          headers: { authorization: headers.authorization },
          connections: options.fixedRateConnections,
          overallRate: options.fixedRate,
          seconds: options.seconds,
          warmupSeconds: 1,
        }),
      },
    ];
    const results = new Map<string, Measured>();
    for (const scenario of scenarios) {
      progress(`http: ${scenario.name}, creditbook then bare Fastify, ${options.seconds} s each`);
      const oursResult = await runLoad(scenario.config(ours), directory);
      const baselineResult = await runLoad(scenario.config(bare), directory);
      results.set(scenario.name, { ours: oursResult, baseline: baselineResult });
    }

    const rate = formatCount(options.fixedRate);
    const lines: string[] = [];
    const add = (label: string, measured: Measured, pick: (result: LoadResult) => number, format: (value: number) => string, withNote: boolean) => {
      const notes = withNote ? [failureNote(measured.ours), failureNote(measured.baseline)] : [];
      const note = notes.some(Boolean) ? `(creditbook: ${notes[0] ?? 'ok'}; baseline: ${notes[1] ?? 'ok'})` : undefined;
      lines.push(figureLine({ label, ours: pick(measured.ours), baselineName: 'bare Fastify', baseline: pick(measured.baseline), format, ...(note ? { note } : {}) }));
    };
    const fixed = results.get('debits-fixed')!;
    const saturated = results.get('debits-saturation')!;
    const balances = results.get('balances-fixed')!;
    add(`POST /v1/debits @${rate}/s offered: achieved/s`, fixed, (result) => result.okPerSecond, formatCount, true);
    add(`POST /v1/debits @${rate}/s offered: p50 ms`, fixed, (result) => result.p50Ms, formatMs, false);
    add(`POST /v1/debits @${rate}/s offered: p99 ms`, fixed, (result) => result.p99Ms, formatMs, false);
    const connections = options.saturationConnections;
    add(`POST /v1/debits saturation (${connections} conn): req/s`, saturated, (result) => result.okPerSecond, formatCount, true);
    add(`POST /v1/debits saturation (${connections} conn): p50 ms`, saturated, (result) => result.p50Ms, formatMs, false);
    add(`POST /v1/debits saturation (${connections} conn): p99 ms`, saturated, (result) => result.p99Ms, formatMs, false);
    add(`GET /v1/balances @${rate}/s offered: achieved/s`, balances, (result) => result.okPerSecond, formatCount, true);
    add(`GET /v1/balances @${rate}/s offered: p50 ms`, balances, (result) => result.p50Ms, formatMs, false);
    add(`GET /v1/balances @${rate}/s offered: p99 ms`, balances, (result) => result.p99Ms, formatMs, false);
    return { lines, coldStartEmptyMs: ours.coldStartMs };
  } finally {
    for (const server of servers) await server.stop();
    removeTempDirectory(directory);
  }
}

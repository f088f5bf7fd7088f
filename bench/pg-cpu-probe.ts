import { execSync } from 'node:child_process';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { AppLedger } from './app-ledger.ts';
import { measureConcurrent } from './measure.ts';
import { cpuMsOf } from './process-cpu.ts';
import { createDatabase } from './postgres-bench.ts';
import { PostgresRawLedger, type RawForm } from './postgres-raw-ledger.ts';

/**
 * A diagnostic, not part of `npm run bench`: CPU per in-process debit on
 * PostgreSQL, split into this Node process (process.cpuUsage) and the server
 * backends serving its database (/proc/<pid>/stat, so Linux and a local server
 * only), for creditbook and both raw baselines, measured in turn. Run it to see
 * which side a change moved; it asserts nothing.
 *
 *   node --import ./bench/typescript-loader.mjs bench/pg-cpu-probe.ts [clients=8] [seconds=4] [hot|no] [app|naive|one-statement]
 *
 * PROBE_ROUNDS (default 2) repeats the turn; PROBE_FIELD=11 or 12 counts only
 * user or only system time of the backends.
 */
const adminUrl = process.env.CREDITBOOK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const clients = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 4);
const hot = process.argv[4] === 'hot';
const only = process.argv[5];
const part = process.env.PROBE_FIELD === '11' ? 'user' : process.env.PROBE_FIELD === '12' ? 'system' : 'both';
/** A backend's CPU ms so far; 0 once it has exited. */
function procMs(pid: number): number {
  try {
    return cpuMsOf(pid, part);
  } catch {
    return 0;
  }
}

/** Server processes that are not client backends (walwriter, checkpointer, ...): they work for everyone. */
function auxPids(): number[] {
  const text = execSync('ps -eo pid,args').toString();
  return text
    .split('\n')
    .filter((line) => /postgres: .*(walwriter|checkpointer|background writer|autovacuum launcher|logical replication|stats)/.test(line))
    .map((line) => Number(line.trim().split(' ')[0]));
}

async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await client.end();
  return rows.map((row) => row.pid);
}

async function probe(label: string, url: string, run: (seconds: number) => Promise<number>): Promise<void> {
  await run(1.5); // warm-up: opens every connection, fills caches
  const pids = await backendPids(url);
  const aux = auxPids();
  const before = { node: process.cpuUsage(), backends: pids.map(procMs), aux: aux.map(procMs) };
  const started = performance.now();
  const operations = await run(seconds);
  const wall = (performance.now() - started) / 1000;
  const node = process.cpuUsage(before.node);
  const backendMs = pids.map(procMs).reduce((sum, ms, index) => sum + ms - before.backends[index]!, 0);
  const auxMs = aux.map(procMs).reduce((sum, ms, index) => sum + ms - before.aux[index]!, 0);
  const nodeUs = (node.user + node.system) / operations;
  const backendUs = (backendMs * 1000) / operations;
  const auxUs = (auxMs * 1000) / operations;
  console.log(
    `${label.padEnd(34)} ${String(Math.round(operations / wall)).padStart(6)}/s  node ${nodeUs.toFixed(0).padStart(5)} us/debit (user ${(node.user / operations).toFixed(0)}, sys ${(node.system / operations).toFixed(0)})  backends ${backendUs.toFixed(0).padStart(5)} us/debit (${pids.length} pids)  aux ${auxUs.toFixed(0)} us/debit  total ${(nodeUs + backendUs + auxUs).toFixed(0)}`,
  );
}


const appDatabase = await createDatabase(adminUrl, 'probe');
const rawDatabase = await createDatabase(adminUrl, 'probe');
try {
  const store = new PostgresStore(appDatabase.url, { poolSize: clients });
  const app = await AppLedger.open(store, { hotWallet: true });
  await PostgresRawLedger.migrate(rawDatabase.url);
  const raws: Array<[RawForm, PostgresRawLedger]> = [
    ['naive', await PostgresRawLedger.seed(rawDatabase.url, 'naive')],
    ['one-statement', await PostgresRawLedger.seed(rawDatabase.url, 'one_statement')],
  ];
  let appIndex = 0;
  const rounds = Number(process.env.PROBE_ROUNDS ?? 2);
  for (let round = 0; round < rounds; round += 1) {
    if (!only || only === 'app') {
      await probe(`creditbook ${clients}cl${hot ? ' hot' : ''}`, appDatabase.url, async (s) => {
        const measured = await measureConcurrent((index) => (hot ? app.debitHot(index) : app.debit(index)), { inFlight: clients, seconds: s, firstIndex: appIndex });
        appIndex += measured.operations + clients;
        return measured.operations;
      });
      console.log(`  oneTrip counts ${JSON.stringify(store.oneTripCounts)}`);
    }
    for (const [form, ledger] of raws) {
      if (only && only !== form) continue;
      const connections = await ledger.connect(clients);
      let index = 0;
      await probe(`${form} ${clients}cl${hot ? ' hot' : ''}`, rawDatabase.url, async (s) => {
        const endAt = performance.now() + s * 1000;
        let done = 0;
        await Promise.all(
          connections.map(async (client) => {
            while (performance.now() < endAt) {
              await ledger.debit(form, client, index++, hot);
              done += 1;
            }
          }),
        );
        return done;
      });
      await ledger.close();
    }
  }
  await app.close();
} finally {
  await appDatabase.drop();
  await rawDatabase.drop();
}

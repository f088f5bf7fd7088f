import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { AppLedger } from './app-ledger.ts';
import { makeTempDirectory, onCleanup, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, formatMs, plainLine, progress } from './format.ts';
import { setUpLedger } from './http-bench.ts';
import { failureNote, runPacedLoad, type LoadResult } from './load.ts';
import { measureConcurrent, type Throughput } from './measure.ts';
import { PostgresRawLedger, type RawForm } from './postgres-raw-ledger.ts';
import { countPostgresRoundTrips } from './postgres-round-trips.ts';
import { freePort, PROJECT_ROOT, printedTestKey, runCreditbookCli, SERVER_NODE_FLAGS, startCreditbook, startServer, TYPESCRIPT_IMPORT, verifyDatabase, type ServerProcess } from './processes.ts';
import { UNIT_CODE } from './workload.ts';

/**
 * The PostgreSQL figures: creditbook beside two raw baselines measured in the
 * same run on the same server (postgres-raw-ledger.ts): *naive* (one FOR UPDATE
 * transaction of several statements per debit) and *one-statement* (the same
 * accounting as one CTE).
 *
 * - In-process debits/s with N concurrent clients across many wallets: N
 *   `createDebit` calls in flight on a PostgresStore with a pool of N, vs N
 *   connections each running the raw form in a loop, over the shared workload.
 * - Debits/s on one hot wallet: the same with every debit on one wallet.
 * - Balance reads over HTTP: p50/p99 at a paced (open-loop) offered rate
 *   against `creditbook serve --db postgres://…`, vs a bare Fastify process
 *   reading the balance from the raw database in each form.
 *
 * Every database is created for the run and dropped at the end, also when the
 * run fails or is interrupted. If PostgreSQL is unreachable the section prints
 * one line saying so and is skipped.
 */

export interface PostgresBenchOptions {
  /** The maintenance database to create and drop scratch databases through. */
  adminUrl: string;
  /** Seconds per measured round; each contender is measured `rounds` times, in turn with the others. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  /** Concurrent clients for the many-wallets figures. */
  clients: number[];
  /** Concurrent clients on the hot wallet. */
  hotClients: number;
  http: { rate: number; seconds: number; rounds: number; warmupSeconds: number; customers: number };
}

const BALANCE_SERVER_PATH = fileURLToPath(new URL('./postgres-balance-server.ts', import.meta.url));

export interface ScratchDatabase {
  url: string;
  drop: () => Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(adminUrl: string, purpose: string): Promise<ScratchDatabase> {
  const name = `creditbook_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const dropSql = `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;
  // If the run is interrupted, drop it synchronously from a child process (cleanupNow cannot await).
  const removeTask = onCleanup(() => {
    spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import pg from 'pg'; const c = new pg.Client(${JSON.stringify(adminUrl)}); await c.connect(); await c.query(${JSON.stringify(dropSql)}); await c.end();`],
      { cwd: PROJECT_ROOT, stdio: 'ignore', timeout: 10_000 },
    );
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await adminQuery(adminUrl, dropSql);
      removeTask();
    },
  };
}

/** `clients` lanes, each with its own connection, running `operation` back to back for `seconds`. */
async function measureLanes(
  clients: pg.Client[],
  operation: (client: pg.Client, index: number) => Promise<void>,
  options: { seconds: number; firstIndex: number },
): Promise<Throughput> {
  const startedAt = performance.now();
  const endAt = startedAt + options.seconds * 1000;
  let next = options.firstIndex;
  let completed = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < endAt) {
        await operation(client, next++);
        completed += 1;
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { operations: completed, seconds, perSecond: completed / seconds };
}

interface DebitFigure {
  label: string;
  ours: number;
  naive: number;
  oneStatement: number;
}

function threeWay(figure: DebitFigure): string[] {
  return [
    figureLine({ label: figure.label, ours: figure.ours, baselineName: 'naive pg', baseline: figure.naive, format: formatCount }),
    figureLine({ label: figure.label, ours: figure.ours, baselineName: 'one-statement pg', baseline: figure.oneStatement, format: formatCount }),
  ];
}

export async function runPostgresBench(options: PostgresBenchOptions): Promise<string[]> {
  let serverVersion: string;
  try {
    const client = new pg.Client({ connectionString: options.adminUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      const settings = await client.query<{ version: string; synchronous_commit: string; shared_buffers: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS synchronous_commit, current_setting('shared_buffers') AS shared_buffers",
      );
      const row = settings.rows[0]!;
      serverVersion = `PostgreSQL ${row.version}, synchronous_commit=${row.synchronous_commit}, shared_buffers=${row.shared_buffers}`;
    } finally {
      await client.end();
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return [`PostgreSQL section skipped: ${redact(options.adminUrl)} is unreachable (${reason || 'connection refused'}).`];
  }

  const lines = [`server: ${serverVersion} (on this machine, loopback)`];
  const databases: ScratchDatabase[] = [];
  const servers: ServerProcess[] = [];
  const directory = makeTempDirectory('creditbook-bench-pg-');
  let app: AppLedger | undefined;
  const raw = new Map<RawForm, PostgresRawLedger>();
  try {
    lines.push(...(await countPostgresRoundTrips((purpose) => createDatabase(options.adminUrl, purpose))));
    const appDatabase = await createDatabase(options.adminUrl, 'app');
    databases.push(appDatabase);
    const rawDatabase = await createDatabase(options.adminUrl, 'raw');
    databases.push(rawDatabase);

    progress('postgres: seeding 100 wallets x 5 grants (+ one hot wallet) for creditbook and for each raw form');
    const maxClients = Math.max(...options.clients, options.hotClients);
    const store = new PostgresStore(appDatabase.url, { poolSize: maxClients });
    app = await AppLedger.open(store, { hotWallet: true });
    await PostgresRawLedger.migrate(rawDatabase.url);
    raw.set('naive', await PostgresRawLedger.seed(rawDatabase.url, 'naive'));
    raw.set('one-statement', await PostgresRawLedger.seed(rawDatabase.url, 'one_statement'));

    const appLedger = app;
    let appIndex = 0;
    const rawIndex = new Map<RawForm, number>([
      ['naive', 0],
      ['one-statement', 0],
    ]);
    /** One contender of a figure: `run(seconds)` measures it for that long, continuing the workload where it left off. */
    interface Contender {
      run: (seconds: number) => Promise<Throughput>;
      close: () => Promise<void>;
    }
    const ourContender = (clients: number, hot: boolean): Contender => ({
      run: async (seconds) => {
        const measured = await measureConcurrent((index) => (hot ? appLedger.debitHot(index) : appLedger.debit(index)), { inFlight: clients, seconds, firstIndex: appIndex });
        appIndex += measured.operations + clients;
        return measured;
      },
      close: async () => {},
    });
    const rawContender = async (form: RawForm, clients: number, hot: boolean): Promise<Contender> => {
      const ledger = raw.get(form)!;
      const connections = await ledger.connect(clients);
      return {
        run: async (seconds) => {
          const measured = await measureLanes(connections, (client, index) => ledger.debit(form, client, index, hot), { seconds, firstIndex: rawIndex.get(form)! });
          rawIndex.set(form, rawIndex.get(form)! + measured.operations + clients);
          return measured;
        },
        close: () => ledger.close(),
      };
    };
    /**
     * Warms each contender up, then measures them in turn, `rounds` times, so
     * that a burst of other work on the machine falls on all three alike. The
     * figure is all of a contender's debits over all of its measured time.
     */
    const measureAll = async (label: string, clients: number, hot: boolean): Promise<DebitFigure> => {
      progress(`postgres: ${label}: creditbook, naive, one-statement in turn, ${options.rounds} x ${options.seconds} s each (after ${options.warmupSeconds} s warm-up)`);
      const contenders = [ourContender(clients, hot), await rawContender('naive', clients, hot), await rawContender('one-statement', clients, hot)];
      try {
        for (const contender of contenders) await contender.run(options.warmupSeconds);
        const totals = contenders.map(() => ({ operations: 0, seconds: 0 }));
        for (let round = 0; round < options.rounds; round += 1) {
          for (const [index, contender] of contenders.entries()) {
            const measured = await contender.run(options.seconds);
            totals[index]!.operations += measured.operations;
            totals[index]!.seconds += measured.seconds;
          }
        }
        const [ours, naive, oneStatement] = totals.map((total) => total.operations / total.seconds) as [number, number, number];
        return { label, ours, naive, oneStatement };
      } finally {
        for (const contender of contenders) await contender.close();
      }
    };

    for (const clients of options.clients) lines.push(...threeWay(await measureAll(`PG in-process debits/s, ${clients} clients, 100 wallets`, clients, false)));
    lines.push(...threeWay(await measureAll(`PG in-process debits/s, one hot wallet, ${options.hotClients} cl.`, options.hotClients, true)));

    // The baselines must have done the accounting they claim: balances, grant remainders and ledgers agree.
    const rawProblems = await PostgresRawLedger.check(rawDatabase.url);
    if (rawProblems.length > 0) lines.push(`WARNING: raw baselines left ${rawProblems.length} inconsistent wallets, e.g. ${rawProblems[0]}`);
    await app.close();
    app = undefined;
    lines.push(plainLine('verify after the PG in-process debits', verifyDatabase(appDatabase.url)));

    // Balance reads over HTTP.
    const serveDatabase = await createDatabase(options.adminUrl, 'serve');
    databases.push(serveDatabase);
    progress('postgres: starting `creditbook serve` on PostgreSQL and setting up customers over HTTP');
    const ours = await startCreditbook(serveDatabase.url);
    servers.push(ours);
    await printedTestKey(ours);
    // A live key, as in production: a test key also re-reads its environment (the test clock) on every request.
    const key = runCreditbookCli(['keys', 'create', '--env', 'live', '--db', serveDatabase.url]).trim();
    const customerIds = await setUpLedger(ours, key, options.http.customers);
    const naiveLedger = raw.get('naive')!;
    const rawCustomers = naiveLedger.allCustomerIds();
    const balanceServers = new Map<RawForm, ServerProcess>();
    for (const form of ['naive', 'one-statement'] as const) {
      const port = await freePort();
      const server = await startServer(`raw balance server (${form})`, [...SERVER_NODE_FLAGS, ...TYPESCRIPT_IMPORT, BALANCE_SERVER_PATH], port, {
        PORT: String(port),
        DATABASE_URL: rawDatabase.url,
        ENVIRONMENT_ID: naiveLedger.environment,
        BALANCE_FORM: form,
      });
      servers.push(server);
      balanceServers.set(form, server);
    }
    const rate = options.http.rate;
    progress(`postgres: GET /v1/balances at ${rate}/s paced: creditbook, naive, one-statement in turn, ${options.http.rounds} x ${options.http.seconds} s each`);
    const rawPaths = rawCustomers.map((customerId) => `/v1/balances?customerId=${customerId}&unit=${UNIT_CODE}`);
    const [oursResult, naiveResult, oneStatementResult] = (await runPacedLoad(
      {
        targets: [
          { baseUrl: ours.baseUrl, paths: customerIds.map((customerId) => `/v1/balances?customerId=${customerId}&unit=credits`), headers: { authorization: `Bearer ${key}` } },
          { baseUrl: balanceServers.get('naive')!.baseUrl, paths: rawPaths, headers: {} },
          { baseUrl: balanceServers.get('one-statement')!.baseUrl, paths: rawPaths, headers: {} },
        ],
        rate,
        seconds: options.http.seconds,
        rounds: options.http.rounds,
        warmupSeconds: options.http.warmupSeconds,
      },
      directory,
    )) as [LoadResult, LoadResult, LoadResult];
    const label = `PG GET /v1/balances @${formatCount(rate)}/s paced`;
    for (const [name, pick] of [
      ['p50 ms', (result: LoadResult) => result.p50Ms],
      ['p99 ms', (result: LoadResult) => result.p99Ms],
    ] as const) {
      for (const [baselineName, baseline] of [
        ['naive pg+Fastify', naiveResult],
        ['one-stmt pg+Fastify', oneStatementResult],
      ] as const) {
        const notes = [failureNote(oursResult), failureNote(baseline)];
        const note = notes.some(Boolean) ? `(creditbook: ${notes[0] ?? 'ok'}; baseline: ${notes[1] ?? 'ok'})` : undefined;
        lines.push(figureLine({ label: `${label}: ${name}`, ours: pick(oursResult), baselineName, baseline: pick(baseline), format: formatMs, ...(note ? { note } : {}) }));
      }
    }
    lines.push(
      figureLine({ label: `${label}: achieved/s`, ours: oursResult.okPerSecond, baselineName: 'one-stmt pg+Fastify', baseline: oneStatementResult.okPerSecond, format: formatCount }),
    );
    return lines;
  } finally {
    for (const server of servers) await server.stop();
    await app?.close();
    for (const ledger of raw.values()) await ledger.close();
    for (const database of databases) await database.drop().catch((error: unknown) => progress(`postgres: could not drop a scratch database: ${String(error)}`));
    removeTempDirectory(directory);
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

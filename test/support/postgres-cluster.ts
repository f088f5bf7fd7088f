import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_ADMIN_URL, withAdminClient } from './postgres-admin.ts';
import { apiClient, runCli, startServe, type ServedProcess } from './serve-process.ts';

/**
 * "A fresh PostgreSQL database and N real `creditbook serve` processes on it",
 * for the multi-node, race and crash proofs.
 *
 * - `createScratchDatabase(prefix)` creates `<prefix>_<random>` through the
 *   maintenance database ($CREDITBOOK_TEST_POSTGRES_URL, default
 *   postgres://postgres@127.0.0.1:5432/postgres) and drops it WITH (FORCE) in
 *   `drop()`, which ends whatever connections a failed test left open.
 * - `startCluster` starts every node at once on that database (they migrate
 *   concurrently, under the store's advisory lock). If any node fails to start,
 *   the others are stopped and the database is dropped before the error is
 *   rethrown, so a failed `before` hook leaves nothing behind.
 * - `cluster.stop()` stops the nodes (SIGTERM, SIGKILL after a grace period)
 *   and drops the database; it is safe to call twice and after a failed start.
 */

export interface ScratchDatabase {
  name: string;
  /** The URL `--db` takes. */
  url: string;
  /** Runs SQL ($1… placeholders) on the scratch database through one shared connection. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unsafe database name ${name}`);
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let dropped: Promise<void> | undefined;
  const connection = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
      // A forced DROP ends this connection; that must not crash the test process.
      client.on('error', () => {});
      await client.connect();
      return client;
    })();
    return connecting;
  };
  return {
    name,
    url: url.toString(),
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await (await connection()).query(sql, params)).rows as Row[];
    },
    drop() {
      dropped ??= (async () => {
        await client?.end().catch(() => {});
        await withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      })();
      return dropped;
    },
  };
}

export type ApiCall = ReturnType<typeof apiClient>;

export interface Cluster {
  database: ScratchDatabase;
  nodes: ServedProcess[];
  /** A test key printed by a node on the empty database. */
  key: string;
  /** Every test key the nodes printed (more than one when several found the database empty). */
  printedKeys: string[];
  /** An API client for node `index % nodes.length`: round-robin by request number. */
  call(index: number): ApiCall;
  /** `creditbook verify --db <url>`: exit status and output. */
  verify(): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

/** SIGTERM, then SIGKILL if the process is still running after the grace period. */
export async function stopNode(node: ServedProcess): Promise<void> {
  const child = node.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await node.stop('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

export async function startCluster(options: { prefix: string; nodes: number; env?: Record<string, string> }): Promise<Cluster> {
  const database = await createScratchDatabase(options.prefix);
  const started = await Promise.allSettled(
    Array.from({ length: options.nodes }, () => startServe({ database: database.url, ...(options.env ? { env: options.env } : {}) })),
  );
  const nodes = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        await Promise.all(nodes.map(stopNode));
      } finally {
        await database.drop();
      }
    })();
    return stopping;
  };
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  // Every node that found the database empty prints a key. Nodes started at the
  // same moment may each find it empty, so there can be more than one; all are
  // keys to the same test environment, valid on every node.
  const printedKeys = nodes.flatMap((node) => (node.testKey ? [node.testKey] : []));
  if (printedKeys.length === 0) {
    await stop();
    throw new Error(`No node printed a test key:\n${nodes.map((node) => node.output()).join('\n---\n')}`);
  }
  const clients = nodes.map((node) => apiClient(node.baseUrl, printedKeys[0]!));
  return {
    database,
    nodes,
    key: printedKeys[0]!,
    printedKeys,
    call: (index) => clients[index % clients.length]!,
    verify: () => runCli(['verify', '--db', database.url]),
    stop,
  };
}

/** Ledger totals of one wallet, straight from the database. */
export async function ledgerSummary(database: ScratchDatabase, walletId: string): Promise<{ entries: number; minBalanceAfter: string | null; sum: string }> {
  const [row] = await database.query<{ entries: number; min_balance: string | null; sum: string }>(
    `SELECT count(*)::int AS entries, min(balance_after)::text AS min_balance, coalesce(sum(amount), 0)::text AS sum
     FROM ledger_entries WHERE wallet_id = $1`,
    [walletId],
  );
  return { entries: row!.entries, minBalanceAfter: row!.min_balance, sum: row!.sum };
}

/** Exact decimal text, normalised (PostgreSQL NUMERIC prints trailing zeros: 12.5000000000 → 12.5). */
export function decimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../src/app/api-keys.ts';
import { composeDependencies } from '../src/cli/composition-root.ts';
import { buildServer } from '../src/http/server.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, plainLine, progress } from './format.ts';
import { RawLedger } from './raw-ledger.ts';
import { framesByBtree, WalMeter, WalRestarted } from './wal-meter.ts';
import { expiresAt, GRANTS_PER_WALLET, plannedDebit, UNIT_CODE, UNIT_SCALE, WALLET_COUNT } from './workload.ts';

/**
 * Deterministic figures, not timings (so other work on the machine cannot move
 * them): SQLite statements per HTTP debit and per balance read, and bytes of
 * WAL written per debit, one per transaction and in group-committed batches.
 * Creditbook runs in process (buildServer + inject, so auth, validation and
 * the app all count) on a SqliteStore that reports every statement; the
 * baseline is the raw script of figure 1 on its frozen schema. WAL bytes are
 * counted as frames of the WAL file (wal-meter.ts).
 */
export interface StatementCountOptions {
  /** Debits and reads counted per figure. */
  operations: number;
  /** Debits in flight for the batched WAL figure. */
  batch: number;
}

interface Counts {
  debitStatements: number;
  /** Per debit while `batch` are in flight (group commit), the WAL-batched run's statements over its debits. */
  batchedDebitStatements: number;
  readStatements: number;
  walBytesSingle: number;
  walBytesBatched: number;
  /** The batched run's WAL frames per debit by b-tree, most first. */
  walFramesBatchedByBtree: Array<[name: string, frames: number]>;
}

async function countCreditbook(path: string, mode: 'test' | 'live', options: StatementCountOptions): Promise<Counts> {
  let statements = 0;
  const store = new SqliteStore(path, {
    onStatement: () => {
      statements += 1;
    },
  });
  let server: FastifyInstance | undefined;
  try {
    await store.migrate();
    const dependencies = composeDependencies(store);
    const { key } = await createApiKey(dependencies, mode);
    server = await buildServer({ dependencies, logger: false });
    const app = server;
    const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });
      if (response.statusCode >= 300) throw new Error(`${method} ${url} -> ${response.statusCode}: ${response.body}`);
      return response.json() as { id: string };
    };
    await call('POST', '/v1/units', { code: UNIT_CODE, scale: UNIT_SCALE });
    const customerIds: string[] = [];
    for (let wallet = 0; wallet < WALLET_COUNT; wallet += 1) customerIds.push((await call('POST', '/v1/customers', {})).id);
    const now = Date.now();
    for (const customerId of customerIds) {
      for (const plan of GRANTS_PER_WALLET) {
        const expiry = expiresAt(plan, now);
        await call('POST', '/v1/grants', {
          customerId,
          unit: UNIT_CODE,
          amount: plan.amount,
          category: plan.category,
          priority: plan.priority,
          ...(expiry === null ? {} : { expiresAt: new Date(expiry).toISOString() }),
        });
      }
    }
    let index = 0;
    const debit = () => {
      const planned = plannedDebit(index++);
      return call('POST', '/v1/debits', { customerId: customerIds[planned.wallet], unit: UNIT_CODE, amount: planned.amount });
    };
    for (let warm = 0; warm < 20; warm += 1) await debit();
    statements = 0;
    for (let count = 0; count < options.operations; count += 1) await debit();
    const debitStatements = statements / options.operations;
    statements = 0;
    for (let count = 0; count < options.operations; count += 1) await call('GET', `/v1/balances?customerId=${customerIds[count % customerIds.length]}&unit=${UNIT_CODE}`);
    const readStatements = statements / options.operations;
    const walBytesSingle = (await walPerDebit(path, debit, options.operations, 1)).bytes;
    statements = 0;
    const before = index;
    const batched = await walPerDebit(path, debit, options.operations / options.batch, options.batch);
    const batchedDebitStatements = statements / (index - before);
    return { debitStatements, batchedDebitStatements, readStatements, walBytesSingle, walBytesBatched: batched.bytes, walFramesBatchedByBtree: framesPerDebitByBtree(path, batched) };
  } finally {
    await server?.close();
    await store.close();
  }
}

async function countRaw(path: string, options: StatementCountOptions): Promise<Counts> {
  let statements = 0;
  const ledger = new RawLedger(path, { onStatement: () => (statements += 1) });
  try {
    let index = 0;
    for (let warm = 0; warm < 20; warm += 1) index += ledger.debitOne(index);
    statements = 0;
    for (let count = 0; count < options.operations; count += 1) index += ledger.debitOne(index);
    const debitStatements = statements / options.operations;
    statements = 0;
    for (let count = 0; count < options.operations; count += 1) ledger.balance(ledger.customerIds[count % ledger.customerIds.length]!);
    const readStatements = statements / options.operations;
    // No checkpointer here (synchronous=FULL autocheckpoints at 1,000 pages): a pinned reader keeps the WAL appending.
    const one = async () => void (index += ledger.debitOne(index));
    const walBytesSingle = (await walPerDebit(path, one, options.operations, 1)).bytes;
    const batchOf = async () => void (index += ledger.debitBatch(index, options.batch));
    statements = 0;
    const before = index;
    const batched = await walPerDebit(path, batchOf, options.operations / options.batch, 1, options.batch);
    const batchedDebitStatements = statements / (index - before);
    return { debitStatements, batchedDebitStatements, readStatements, walBytesSingle, walBytesBatched: batched.bytes, walFramesBatchedByBtree: framesPerDebitByBtree(path, batched) };
  } finally {
    ledger.close();
  }
}

interface WalWritten {
  /** WAL bytes per debit. */
  bytes: number;
  /** The page of each frame written, in order. */
  pages: number[];
  debits: number;
}

/**
 * WAL bytes per debit over `rounds` rounds of `inFlight` concurrent `debit()` calls (each
 * call making `perCall` debits), and the pages its frames wrote. The meter pins the WAL right
 * after a commit; if a checkpoint restarted it first, the measurement is taken again.
 */
async function walPerDebit(path: string, debit: () => Promise<unknown>, rounds: number, inFlight: number, perCall = 1): Promise<WalWritten> {
  for (let attempt = 0; ; attempt += 1) {
    await debit();
    const meter = new WalMeter(path);
    try {
      const before = meter.frames();
      for (let round = 0; round < rounds; round += 1) await Promise.all(Array.from({ length: inFlight }, debit));
      const after = meter.frames();
      const debits = rounds * inFlight * perCall;
      const pages = after.pages.slice(before.pages.length);
      return { bytes: (pages.length * (after.pageSize + 24)) / debits, pages, debits };
    } catch (error) {
      if (!(error instanceof WalRestarted) || attempt >= 4) throw error;
    } finally {
      meter.close();
    }
  }
}

const formatCountOne = (value: number): string => value.toFixed(1);

function framesPerDebitByBtree(path: string, written: WalWritten): Array<[name: string, frames: number]> {
  return framesByBtree(path, written.pages).map(([name, frames]) => [name, frames / written.debits]);
}

/** The b-trees behind most of each side's WAL frames, so a change to the schema shows where its pages went. */
function btreeLine(label: string, ours: Array<[string, number]>, raw: Array<[string, number]>): string {
  const top = (byBtree: Array<[string, number]>) =>
    byBtree
      .slice(0, 5)
      .map(([name, frames]) => `${name} ${frames.toFixed(2)}`)
      .join(', ');
  const total = (byBtree: Array<[string, number]>) => byBtree.reduce((sum, [, frames]) => sum + frames, 0).toFixed(2);
  return plainLine(label, `${total(ours)} (${top(ours)})  | baseline raw better-sqlite3 ${total(raw)} (${top(raw)})`);
}

export async function runStatementCounts(options: StatementCountOptions): Promise<string[]> {
  const directory = makeTempDirectory('creditbook-bench-counts-');
  try {
    progress(`counts: ${options.operations} debits and balance reads through the API (test key, then live key) and the raw script`);
    const test = await countCreditbook(join(directory, 'test.db'), 'test', options);
    const live = await countCreditbook(join(directory, 'live.db'), 'live', options);
    const raw = await countRaw(join(directory, 'raw.db'), options);
    const baselineName = 'raw better-sqlite3';
    const line = (label: string, ours: number, baseline: number, format = formatCountOne) => figureLine({ label, ours, baselineName, baseline, format });
    return [
      line('SQLite statements per HTTP debit, test key', test.debitStatements, raw.debitStatements),
      line('SQLite statements per HTTP debit, live key', live.debitStatements, raw.debitStatements),
      line(`SQLite statements per debit, ${options.batch} in flight`, live.batchedDebitStatements, raw.batchedDebitStatements),
      line('SQLite statements per balance read, test key', test.readStatements, raw.readStatements),
      line('SQLite statements per balance read, live key', live.readStatements, raw.readStatements),
      line('WAL bytes per debit, 1 per transaction', live.walBytesSingle, raw.walBytesSingle, formatCount),
      line(`WAL bytes per debit, ${options.batch} in flight`, live.walBytesBatched, raw.walBytesBatched, formatCount),
      btreeLine(`WAL frames per debit by b-tree, ${options.batch} in flight`, live.walFramesBatchedByBtree, raw.walFramesBatchedByBtree),
    ];
  } finally {
    removeTempDirectory(directory);
  }
}

import { createHash } from 'node:crypto';
import { fdatasync, openSync, readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { RawLedger, type RawActor } from './raw-ledger.ts';
import type { GrantPlan } from './workload.ts';

/**
 * The minimal route, run as its own process: what an HTTP debit needs and no
 * more. Fastify (no logger), API-key auth (SHA-256 of the bearer key, looked up
 * in memory), JSON-schema validation of the body, the debit's reads and four
 * writes (raw-ledger.ts, on its frozen schema) and group commit: the debits
 * queued in one event-loop turn share one BEGIN IMMEDIATE … COMMIT, and are
 * answered only after an fdatasync of the WAL (synchronous=NORMAL plus that
 * fsync is synchronous=FULL's durability). The baseline for HTTP debits at
 * saturation. Config: a JSON file named by argv[2]. With `creditbookRows` it also
 * writes what a Creditbook debit writes besides the accounting (the ledger's two
 * indexes, the outbox event, the audit row and its two indexes; raw-schema.ts):
 * the same writes, behind the same minimal route.
 */
interface MinimalRouteConfig {
  database: string;
  /** The one accepted key. */
  key: string;
  customerIds: string[];
  grants: GrantPlan[];
  creditbookRows?: boolean;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as MinimalRouteConfig;
const ledger = new RawLedger(config.database, { customerIds: config.customerIds, grants: config.grants, synchronous: 'NORMAL', creditbookRows: config.creditbookRows ?? false });
const keys = new Map([[createHash('sha256').update(config.key).digest('hex'), { environment: 'bench' }]]);
const walDescriptor = openSync(`${config.database}-wal`, 'r+');

interface Queued {
  customerId: string;
  amount: string;
  feature: string | null;
  /** Who asked, for the audit row: only with `creditbookRows`, so the plain route does no more than before. */
  actor: RawActor | undefined;
  resolve: (debitId: string | undefined) => void;
  reject: (error: unknown) => void;
}
let queue: Queued[] = [];
let flushScheduled = false;

function flush(): void {
  const batch = queue;
  queue = [];
  flushScheduled = false;
  const results: Array<string | undefined> = [];
  try {
    ledger.db.exec('BEGIN IMMEDIATE');
    for (const item of batch) results.push(ledger.debitCustomer(item.customerId, item.amount, item.feature, item.actor));
    ledger.db.exec('COMMIT');
  } catch (error) {
    if (ledger.db.inTransaction) ledger.db.exec('ROLLBACK');
    for (const item of batch) item.reject(error);
    return;
  }
  // Off the event loop (libuv's pool); the next batch may commit meanwhile.
  fdatasync(walDescriptor, (error) => {
    batch.forEach((item, index) => (error ? item.reject(error) : item.resolve(results[index])));
  });
}

function debit(customerId: string, amount: string, feature: string | null, actor: RawActor | undefined): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    queue.push({ customerId, amount, feature, actor, resolve, reject });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
}

const server = Fastify({ logger: false });
server.get('/healthz', async () => ({ status: 'ok' }));
server.addHook('onRequest', async (request, reply) => {
  if (request.url === '/healthz') return;
  const header = request.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  if (!key || !keys.has(createHash('sha256').update(key).digest('hex'))) return reply.code(401).send({ error: 'unauthenticated' });
});
server.post(
  '/v1/debits',
  {
    schema: {
      body: {
        type: 'object',
        required: ['customerId', 'unit', 'amount'],
        additionalProperties: false,
        properties: {
          customerId: { type: 'string', minLength: 1, maxLength: 255 },
          unit: { type: 'string', minLength: 1, maxLength: 64 },
          amount: { type: 'string', pattern: '^(0|[1-9][0-9]{0,24})(\\.[0-9]{1,10})?$' },
          feature: { type: ['string', 'null'], maxLength: 255 },
        },
      },
    },
  },
  async (request, reply) => {
    const body = request.body as { customerId: string; amount: string; feature?: string | null };
    const actor = config.creditbookRows ? { apiKeyId: 'key_bench', requestId: request.id, clientAddress: request.ip } : undefined;
    const debitId = await debit(body.customerId, body.amount, body.feature ?? null, actor);
    if (!debitId) return reply.code(402).send({ error: 'insufficient_balance' });
    return reply.code(201).send({ object: 'debit', id: debitId, customerId: body.customerId, amount: body.amount });
  },
);

await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => {
      ledger.close();
      process.exit(0);
    });
  });
}

import Fastify from 'fastify';
import pg from 'pg';
import { toScaled, toText } from './raw-ledger.ts';

/**
 * The raw balance-read baselines over HTTP, run as their own process: bare
 * Fastify (no logger, schemas or auth) answering `GET /v1/balances?customerId=…&unit=…`
 * from a PostgreSQL database seeded by postgres-raw-ledger.ts, through a
 * pg.Pool of 10 (creditbook's default pool size).
 *
 * - BALANCE_FORM=naive: a REPEATABLE READ READ ONLY transaction reading the
 *   wallet row and then its live grants; the available and held sums and the
 *   per-grant breakdown are computed in JS (bigint), as creditbook does.
 * - BALANCE_FORM=one-statement: one SELECT joining the wallet to its live grants
 *   and summing what is spendable now in SQL.
 *
 * Env: PORT, DATABASE_URL, ENVIRONMENT_ID, BALANCE_FORM.
 */

const form = process.env.BALANCE_FORM;
if (form !== 'naive' && form !== 'one-statement') throw new Error(`BALANCE_FORM must be naive or one-statement, not ${form}`);
const environmentId = process.env.ENVIRONMENT_ID!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => {});

const findWallet = { name: 'balance_wallet', text: "SELECT id, held FROM wallets WHERE environment_id = $1 AND customer_id = $2 AND unit = $3 AND wallet_key = ''" };
const liveGrants = {
  name: 'balance_grants',
  text: 'SELECT id, category, priority, available, held, effective_at, expires_at FROM grants WHERE wallet_id = $1 AND live = 1 ORDER BY ordinal',
};
const oneStatement = {
  name: 'balance_one_statement',
  text: `SELECT wallets.held::text AS held,
           coalesce(sum(grants.available) FILTER (WHERE grants.effective_at <= $4 AND (grants.expires_at IS NULL OR grants.expires_at > $4)), 0)::text AS available
         FROM wallets LEFT JOIN grants ON grants.wallet_id = wallets.id AND grants.live = 1
         WHERE wallets.environment_id = $1 AND wallets.customer_id = $2 AND wallets.unit = $3 AND wallets.wallet_key = ''
         GROUP BY wallets.id`,
};

interface GrantRow {
  id: string;
  category: string;
  priority: number;
  available: string;
  held: string;
  effective_at: string;
  expires_at: string | null;
}

async function naiveBalance(customerId: string, unit: string, now: number) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const wallet = (await client.query<{ id: string; held: string }>({ ...findWallet, values: [environmentId, customerId, unit] })).rows[0];
    const grants = wallet ? (await client.query<GrantRow>({ ...liveGrants, values: [wallet.id] })).rows : [];
    await client.query('COMMIT');
    if (!wallet) return undefined;
    let available = 0n;
    const breakdown = [];
    for (const grant of grants) {
      const active = Number(grant.effective_at) <= now && (grant.expires_at === null || Number(grant.expires_at) > now);
      if (!active) continue;
      available += toScaled(grant.available);
      breakdown.push({ grantId: grant.id, category: grant.category, priority: grant.priority, available: toText(toScaled(grant.available)), held: toText(toScaled(grant.held)) });
    }
    return { object: 'balance', customerId, unit, available: toText(available), held: toText(toScaled(wallet.held)), grants: breakdown };
  } finally {
    client.release();
  }
}

async function oneStatementBalance(customerId: string, unit: string, now: number) {
  const row = (await pool.query<{ held: string; available: string }>({ ...oneStatement, values: [environmentId, customerId, unit, now] })).rows[0];
  if (!row) return undefined;
  return { object: 'balance', customerId, unit, available: toText(toScaled(row.available)), held: toText(toScaled(row.held)) };
}

const server = Fastify({ logger: false });
server.get('/healthz', async () => ({ status: 'ok' }));
server.get('/v1/balances', async (request, reply) => {
  const query = request.query as Record<string, string | undefined>;
  if (!query.customerId || !query.unit) return reply.code(400).send({ error: 'customerId and unit' });
  const now = Date.now();
  const balance = form === 'naive' ? await naiveBalance(query.customerId, query.unit, now) : await oneStatementBalance(query.customerId, query.unit, now);
  if (!balance) return reply.code(404).send({ error: 'no wallet' });
  return balance;
});

await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

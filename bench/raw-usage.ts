import Database from 'better-sqlite3';
import pg from 'pg';
import { migrations, migrationSql } from '../src/store/migrations/migrations.ts';
import { idFactory, toScaled, toText } from './raw-ledger.ts';
import { plannedUsage, USAGE_CUSTOMERS, USAGE_FEATURE, USAGE_GRANTS, USAGE_PRICES, USAGE_UNIT, USAGE_UNIT_SCALE } from './usage-workload.ts';

/**
 * The rated-usage baseline: a hand-written script doing the same rating and the
 * same writes as creditbook per event, on the same schema (the project's
 * migration SQL), in batches of events per transaction:
 * look the event ID up (idempotency_keys), read the feature's candidate prices
 * and choose one (override, then most dimensions, then latest), compute the cost
 * rounded up to the unit's scale, read the wallet and its live grants in burn
 * order, take from those that apply to the feature, update them, insert one
 * ledger entry per grant, update the wallet, insert the debit, the usage event
 * and the idempotency record. It writes no outbox event and checks no balance
 * alert; creditbook does both.
 *
 * The logic is written once over a tiny executor: better-sqlite3 (synchronous;
 * `await` on a plain value) or one `pg` connection.
 */
interface Executor {
  all(sql: string, params: unknown[]): Promise<Array<Record<string, any>>> | Array<Record<string, any>>;
  run(sql: string, params: unknown[]): Promise<unknown> | unknown;
}

const BURN_ORDER = "priority, expires_at NULLS LAST, CASE category WHEN 'promotional' THEN 0 ELSE 1 END, effective_at, ordinal";
const SQL = {
  seen: "SELECT 1 FROM idempotency_keys WHERE environment_id = ? AND scope = 'usage-event' AND idempotency_key = ?",
  prices: "SELECT id, amount, per, dimensions, customer_id, minimum, effective_at FROM prices WHERE environment_id = ? AND feature = ? AND customer_id IN ('', ?) AND effective_at <= ?",
  wallet: "SELECT id, balance, overdraft, overdraft_limit, sequence FROM wallets WHERE environment_id = ? AND customer_id = ? AND unit = ? AND wallet_key = ''",
  grants: `SELECT id, available, consumed, applies_to FROM grants WHERE wallet_id = ? AND live = 1 ORDER BY ${BURN_ORDER}`,
  updateGrant: 'UPDATE grants SET available = ?, consumed = ?, live = ? WHERE id = ?',
  entry: `INSERT INTO ledger_entries (id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id,
            amount, held_amount, balance_after, held_after, effective_at, created_at) VALUES (?, ?, ?, ?, ?, '', ?, 'debit', ?, ?, NULL, ?, '0', ?, '0', ?, ?)`,
  updateWallet: 'UPDATE wallets SET balance = ?, sequence = ?, advanced_to = ? WHERE id = ?',
  debit: `INSERT INTO debits (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, consumed, overdrawn, shortfall,
            feature, policy, hold_id, allocations, occurred_at, metadata, created_at) VALUES (?, ?, ?, ?, ?, '', ?, ?, '0', ?, ?, 'usage', NULL, ?, ?, '{}', ?)`,
  event: `INSERT INTO usage_events (environment_id, id, customer_id, wallet_id, unit, wallet_key, feature, quantity, dimensions, occurred_at, price_id,
            cost, consumed, overdrawn, shortfall, allocations, debit_id, reservation_id, metadata, created_at)
          VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, '0', ?, ?, ?, NULL, '{}', ?)`,
  remember: "INSERT INTO idempotency_keys (environment_id, scope, idempotency_key, fingerprint, status, body, created_at, expires_at) VALUES (?, 'usage-event', ?, ?, 201, ?, ?, NULL)",
};

const STEP = 10n ** BigInt(10 - USAGE_UNIT_SCALE);

export class RawUsage {
  private readonly nextId = idFactory();
  private readonly environmentId = this.nextId('env');
  private readonly customerIds: string[] = [];

  private constructor(private readonly executor: Executor) {}

  static async sqlite(path: string): Promise<{ raw: RawUsage; close: () => void; batch: (first: number, count: number, run: string) => Promise<void> }> {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    for (const migration of migrations) db.exec(migrationSql(migration, 'sqlite'));
    const prepared = new Map<string, Database.Statement>();
    const statement = (sql: string) => prepared.get(sql) ?? prepared.set(sql, db.prepare(sql)).get(sql)!;
    const raw = new RawUsage({ all: (sql, params) => statement(sql).all(...params) as Array<Record<string, any>>, run: (sql, params) => statement(sql).run(...params) });
    db.exec('BEGIN IMMEDIATE');
    await raw.seed();
    db.exec('COMMIT');
    return {
      raw,
      close: () => db.close(),
      batch: async (first, count, run) => {
        db.exec('BEGIN IMMEDIATE');
        try {
          for (let index = first; index < first + count; index += 1) await raw.record(index, run);
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      },
    };
  }

  static async postgres(url: string): Promise<{ raw: RawUsage; close: () => Promise<void>; batch: (first: number, count: number, run: string) => Promise<void> }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const names = new Map<string, string>();
    const query = (sql: string, params: unknown[]) => {
      let position = 0;
      const text = sql.replace(/\?/g, () => `$${++position}`);
      const name = names.get(sql) ?? names.set(sql, `raw_usage_${names.size}`).get(sql)!;
      return client.query({ name, text, values: params });
    };
    const raw = new RawUsage({ all: async (sql, params) => (await query(sql, params)).rows, run: (sql, params) => query(sql, params) });
    for (const migration of migrations) await client.query(migrationSql(migration, 'postgres'));
    await client.query('BEGIN');
    await raw.seed();
    await client.query('COMMIT');
    return {
      raw,
      close: () => client.end(),
      batch: async (first, count, run) => {
        await client.query('BEGIN');
        try {
          for (let index = first; index < first + count; index += 1) await raw.record(index, run);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
    };
  }

  private async seed(): Promise<void> {
    const now = Date.now();
    const { executor: db, environmentId } = this;
    await db.run("INSERT INTO environments (id, mode, name, frozen_clock_at, created_at) VALUES (?, 'test', 'test', NULL, ?)", [environmentId, now]);
    await db.run('INSERT INTO units (environment_id, code, scale, name, created_at) VALUES (?, ?, ?, NULL, ?)', [environmentId, USAGE_UNIT, USAGE_UNIT_SCALE, now]);
    await db.run('INSERT INTO features (environment_id, key, name, dimensions, quantity_scale, created_at) VALUES (?, ?, NULL, ?, 0, ?)', [environmentId, USAGE_FEATURE, '["direction","model"]', now]);
    for (let customer = 0; customer < USAGE_CUSTOMERS; customer += 1) {
      const customerId = this.nextId('cus');
      const walletId = this.nextId('wal');
      this.customerIds.push(customerId);
      await db.run("INSERT INTO customers (id, environment_id, external_id, name, email, metadata, created_at) VALUES (?, ?, NULL, NULL, NULL, '{}', ?)", [customerId, environmentId, now]);
      const balance = USAGE_GRANTS.reduce((sum, grant) => sum + toScaled(grant.amount), 0n);
      await db.run(
        `INSERT INTO wallets (id, environment_id, customer_id, unit, wallet_key, overdraft_limit, overdraft, balance, held, sequence, grant_count, advanced_to, next_event_at, created_at)
         VALUES (?, ?, ?, ?, '', '0', '0', ?, '0', ?, ?, ?, NULL, ?)`,
        [walletId, environmentId, customerId, USAGE_UNIT, toText(balance), USAGE_GRANTS.length, USAGE_GRANTS.length, now, now],
      );
      for (const [index, grant] of USAGE_GRANTS.entries()) {
        await db.run(
          `INSERT INTO grants (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, available, held, consumed, expired, voided,
             category, priority, effective_at, expires_at, created_at, activated_at, expired_at, voided_at, ordinal, payment_pending, applies_to,
             name, metadata, cost_amount, cost_currency, live)
           VALUES (?, ?, ?, ?, ?, '', ?, ?, '0', '0', '0', '0', ?, 0, ?, NULL, ?, ?, NULL, NULL, ?, 0, ?, NULL, '{}', NULL, NULL, 1)`,
          [this.nextId('grt'), environmentId, customerId, walletId, USAGE_UNIT, grant.amount, grant.amount, grant.category, now, now, now, index + 1, JSON.stringify(grant.appliesTo)],
        );
      }
    }
    for (const price of USAGE_PRICES) {
      await db.run(
        `INSERT INTO prices (id, environment_id, feature, unit, amount, per, dimensions, dimensions_key, customer_id, minimum, effective_at, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, '{}', ?)`,
        [this.nextId('prc'), environmentId, USAGE_FEATURE, USAGE_UNIT, price.amount, price.per, JSON.stringify(price.dimensions), JSON.stringify(Object.entries(price.dimensions).sort()), price.customer === null ? '' : this.customerIds[price.customer], now - 1000, now],
      );
    }
  }

  /** Rates and books event `index` of the workload (ID `<run>-<index>`). */
  async record(index: number, run: string): Promise<void> {
    const { executor: db, environmentId } = this;
    const planned = plannedUsage(index);
    const customerId = this.customerIds[planned.customer]!;
    const eventId = `${run}-${index}`;
    if ((await db.all(SQL.seen, [environmentId, eventId])).length > 0) return;
    const now = Date.now();
    let best: Record<string, any> | undefined;
    let bestRank = [-1, -1, -1];
    for (const price of await db.all(SQL.prices, [environmentId, USAGE_FEATURE, customerId, now])) {
      const filter = JSON.parse(price.dimensions) as Record<string, string>;
      if (!Object.entries(filter).every(([name, value]) => planned.dimensions[name] === value)) continue;
      const rank = [price.customer_id === '' ? 0 : 1, Object.keys(filter).length, Number(price.effective_at)];
      if (rank[0]! > bestRank[0]! || (rank[0] === bestRank[0] && (rank[1]! > bestRank[1]! || (rank[1] === bestRank[1] && rank[2]! > bestRank[2]!)))) {
        best = price;
        bestRank = rank;
      }
    }
    if (!best) throw new Error('no price');
    const quantity = toScaled(planned.quantity);
    const denominator = toScaled(String(best.per)) * STEP;
    const cost = ((quantity * toScaled(String(best.amount)) + denominator - 1n) / denominator) * STEP;
    const [wallet] = await db.all(SQL.wallet, [environmentId, customerId, USAGE_UNIT]);
    if (!wallet) throw new Error('wallet missing');
    const debitId = this.nextId('dbt');
    let remaining = cost;
    let balance = toScaled(String(wallet.balance));
    let sequence = Number(wallet.sequence);
    const allocations: Array<{ grantId: string; amount: string }> = [];
    for (const grant of await db.all(SQL.grants, [wallet.id])) {
      if (remaining === 0n) break;
      const appliesTo = JSON.parse(grant.applies_to) as string[];
      if (appliesTo.length > 0 && !appliesTo.includes(USAGE_FEATURE)) continue;
      const available = toScaled(String(grant.available));
      const part = available < remaining ? available : remaining;
      if (part === 0n) continue;
      await db.run(SQL.updateGrant, [toText(available - part), toText(toScaled(String(grant.consumed)) + part), available - part > 0n ? 1 : 0, grant.id]);
      remaining -= part;
      balance -= part;
      sequence += 1;
      await db.run(SQL.entry, [this.nextId('le'), environmentId, customerId, wallet.id, USAGE_UNIT, sequence, grant.id, debitId, toText(-part), toText(balance), now, now]);
      allocations.push({ grantId: grant.id, amount: toText(part) });
    }
    const consumed = toText(cost - remaining);
    const allocationText = JSON.stringify(allocations);
    await db.run(SQL.updateWallet, [toText(balance), sequence, now, wallet.id]);
    await db.run(SQL.debit, [debitId, environmentId, customerId, wallet.id, USAGE_UNIT, toText(cost), consumed, toText(remaining), USAGE_FEATURE, allocationText, now, now]);
    await db.run(SQL.event, [environmentId, eventId, customerId, wallet.id, USAGE_UNIT, USAGE_FEATURE, planned.quantity, JSON.stringify(planned.dimensions), now, best.id, toText(cost), consumed, toText(remaining), allocationText, debitId, now]);
    await db.run(SQL.remember, [environmentId, eventId, 'fingerprint', '{}', now]);
  }
}

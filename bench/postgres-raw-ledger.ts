import pg from 'pg';
import { migrations, migrationSql } from '../src/store/migrations/migrations.ts';
import { idFactory, toScaled, toText } from './raw-ledger.ts';
import { expiresAt, GRANTS_PER_WALLET, plannedDebit, UNIT_CODE, UNIT_SCALE, WALLET_COUNT } from './workload.ts';

/**
 * The PostgreSQL baselines: plain `pg` scripts doing creditbook's debit
 * accounting on the same schema (the project's migration SQL, so the same
 * tables, NUMERIC(38,10) amounts and indexes), over the same workload
 * (workload.ts), one connection per concurrent client, named prepared
 * statements, READ COMMITTED.
 *
 * - **naive**: one transaction of several statements per debit: lock the wallet
 *   row (`SELECT … FOR UPDATE`), read its live grants in burn order, take from
 *   them in JS (bigint), update each grant touched, insert one ledger entry per
 *   grant, update the wallet, insert the debit row, COMMIT.
 * - **one-statement**: the same accounting as ONE SQL statement (a CTE) in
 *   autocommit: lock the wallet and its live grants, a running sum over the
 *   burn order, update the grants, insert the entries, update the wallet,
 *   insert the debit; or write nothing when the wallet holds too little.
 *
 * Neither writes an outbox event or an idempotency record, reads holds or
 * schedules, or uses a savepoint; creditbook does all of those.
 */

const BURN_ORDER = "priority, expires_at NULLS LAST, CASE category WHEN 'promotional' THEN 0 ELSE 1 END, effective_at, ordinal";

const statements = {
  findWallet: {
    name: 'raw_find_wallet',
    text: "SELECT id, customer_id, balance, sequence FROM wallets WHERE environment_id = $1 AND customer_id = $2 AND unit = $3 AND wallet_key = '' FOR UPDATE",
  },
  liveGrants: { name: 'raw_live_grants', text: `SELECT id, available, consumed FROM grants WHERE wallet_id = $1 AND live = 1 ORDER BY ${BURN_ORDER}` },
  updateGrant: { name: 'raw_update_grant', text: 'UPDATE grants SET available = $1, consumed = $2, live = $3 WHERE id = $4' },
  insertEntry: {
    name: 'raw_insert_entry',
    text: `INSERT INTO ledger_entries (id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id,
             amount, held_amount, balance_after, held_after, effective_at, created_at)
           VALUES ($1, $2, $3, $4, $5, '', $6, 'debit', $7, $8, NULL, $9, 0, $10, 0, $11, $11)`,
  },
  updateWallet: { name: 'raw_update_wallet', text: 'UPDATE wallets SET balance = $1, sequence = $2, advanced_to = $3 WHERE id = $4' },
  insertDebit: {
    name: 'raw_insert_debit',
    text: `INSERT INTO debits (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, consumed, overdrawn, shortfall,
             feature, policy, hold_id, allocations, occurred_at, metadata, created_at)
           VALUES ($1, $2, $3, $4, $5, '', $6, $6, 0, 0, NULL, 'reject', NULL, $7, $8, '{}', $8)`,
  },
  /**
   * $1 environment, $2 customer, $3 unit, $4 amount, $5 debit id, $6 now.
   * Lock order is the naive one: the wallet row first (`live` needs its id),
   * then its live grants. FOR UPDATE hands back the newest committed version of
   * each locked row, so the sums below are computed on current values even
   * though the statement's snapshot is older (READ COMMITTED).
   */
  oneStatement: {
    name: 'raw_one_statement_debit',
    text: `
WITH wallet AS (
  SELECT id, customer_id, balance, sequence FROM wallets
  WHERE environment_id = $1::text AND customer_id = $2::text AND unit = $3::text AND wallet_key = '' FOR UPDATE
), live AS (
  SELECT id, available, priority, expires_at, category, effective_at, ordinal FROM grants
  WHERE wallet_id = (SELECT id FROM wallet) AND live = 1 FOR UPDATE
), enough AS (
  SELECT coalesce(sum(available), 0) >= $4::numeric AS ok FROM live
), ordered AS (
  SELECT id, available, row_number() OVER burn AS position,
         coalesce(sum(available) OVER (burn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM live WINDOW burn AS (ORDER BY ${BURN_ORDER})
), taken AS (
  SELECT id, position, least(available, $4::numeric - before) AS part,
         row_number() OVER (ORDER BY position) AS step,
         sum(least(available, $4::numeric - before)) OVER (ORDER BY position) AS running
  FROM ordered WHERE before < $4::numeric AND available > 0 AND (SELECT ok FROM enough)
), grants_updated AS (
  UPDATE grants SET available = grants.available - taken.part, consumed = grants.consumed + taken.part,
         live = CASE WHEN grants.available - taken.part > 0 THEN 1 ELSE 0 END
  FROM taken WHERE grants.id = taken.id
), entries AS (
  INSERT INTO ledger_entries (id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id,
    amount, held_amount, balance_after, held_after, effective_at, created_at)
  SELECT $5::text || '_' || taken.step, $1::text, wallet.customer_id, wallet.id, $3::text, '', wallet.sequence + taken.step, 'debit', taken.id, $5::text, NULL,
         -taken.part, 0, wallet.balance - taken.running, 0, $6::bigint, $6::bigint
  FROM taken CROSS JOIN wallet
), wallet_updated AS (
  UPDATE wallets SET balance = wallets.balance - $4::numeric, sequence = wallets.sequence + (SELECT count(*) FROM taken), advanced_to = $6::bigint
  FROM wallet WHERE wallets.id = wallet.id AND (SELECT ok FROM enough)
), debit AS (
  INSERT INTO debits (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, consumed, overdrawn, shortfall,
    feature, policy, hold_id, allocations, occurred_at, metadata, created_at)
  SELECT $5::text, $1::text, wallet.customer_id, wallet.id, $3::text, '', $4::numeric, $4::numeric, 0, 0, NULL, 'reject', NULL,
         (SELECT coalesce(json_agg(json_build_object('grantId', id, 'amount', part::text) ORDER BY position), '[]')::text FROM taken),
         $6::bigint, '{}', $6::bigint
  FROM wallet WHERE (SELECT ok FROM enough)
)
SELECT (SELECT ok FROM enough) AS ok`,
  },
} as const;

interface WalletRow {
  id: string;
  customer_id: string;
  balance: string;
  sequence: string;
}

interface GrantRow {
  id: string;
  available: string;
  consumed: string;
}

export type RawForm = 'naive' | 'one-statement';

/** One raw ledger (its own environment) in a PostgreSQL database that has the project's schema. */
export class PostgresRawLedger {
  private readonly nextId = idFactory();
  private readonly customerIds: string[] = [];
  private hotCustomerId = '';
  private readonly clients: pg.Client[] = [];

  private constructor(
    private readonly url: string,
    private readonly environmentId: string,
  ) {}

  /** Applies the project's migrations to an empty database (once, before any ledger is seeded). */
  static async migrate(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const migration of migrations) await client.query(migrationSql(migration, 'postgres'));
    } finally {
      await client.end();
    }
  }

  /** Seeds WALLET_COUNT wallets plus one hot wallet, each with the workload's grants, in a new environment. */
  static async seed(url: string, label: string): Promise<PostgresRawLedger> {
    const ledger = new PostgresRawLedger(url, `env_raw_${label.replace(/\W/g, '_')}_${Date.now()}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await ledger.insertSeed(client);
    } finally {
      await client.end();
    }
    return ledger;
  }

  private async insertSeed(client: pg.Client): Promise<void> {
    const now = Date.now();
    const environmentId = this.environmentId;
    await client.query('BEGIN');
    await client.query("INSERT INTO environments (id, mode, name, frozen_clock_at, created_at) VALUES ($1, 'test', 'raw', NULL, $2)", [environmentId, now]);
    await client.query('INSERT INTO units (environment_id, code, scale, name, created_at) VALUES ($1, $2, $3, NULL, $4)', [environmentId, UNIT_CODE, UNIT_SCALE, now]);
    let balance = 0n;
    for (const plan of GRANTS_PER_WALLET) balance += toScaled(plan.amount);
    for (let wallet = 0; wallet <= WALLET_COUNT; wallet += 1) {
      const customerId = this.nextId('cus');
      const walletId = this.nextId('wal');
      if (wallet === WALLET_COUNT) this.hotCustomerId = customerId;
      else this.customerIds.push(customerId);
      await client.query("INSERT INTO customers (id, environment_id, external_id, name, email, metadata, created_at) VALUES ($1, $2, NULL, NULL, NULL, '{}', $3)", [
        customerId,
        environmentId,
        now,
      ]);
      await client.query(
        `INSERT INTO wallets (id, environment_id, customer_id, unit, wallet_key, overdraft_limit, overdraft, balance, held, sequence, grant_count,
           advanced_to, next_event_at, created_at) VALUES ($1, $2, $3, $4, '', 0, 0, $5, 0, $6::bigint, $6::integer, $7, NULL, $7)`,
        [walletId, environmentId, customerId, UNIT_CODE, toText(balance), GRANTS_PER_WALLET.length, now],
      );
      for (const [index, plan] of GRANTS_PER_WALLET.entries()) {
        await client.query(
          `INSERT INTO grants (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, available, held, consumed, expired, voided,
             category, priority, effective_at, expires_at, created_at, activated_at, expired_at, voided_at, ordinal, payment_pending, applies_to,
             name, metadata, cost_amount, cost_currency, live)
           VALUES ($1, $2, $3, $4, $5, '', $6, $6, 0, 0, 0, 0, $7, $8, $9, $10, $9, $9, NULL, NULL, $11, 0, '[]', NULL, '{}', NULL, NULL, 1)`,
          [this.nextId('grt'), environmentId, customerId, walletId, UNIT_CODE, plan.amount, plan.category, plan.priority, now, expiresAt(plan, now), index + 1],
        );
      }
    }
    await client.query('COMMIT');
  }

  /** Opens `count` connections, one per concurrent client (closed by `close()`). */
  async connect(count: number): Promise<pg.Client[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, async () => {
        const client = new pg.Client({ connectionString: this.url });
        // An idle connection the server ends (an administrator, a restart) would otherwise take the whole bench down;
        // a query on it still fails, and that failure is reported.
        client.on('error', (error) => console.error(`raw baseline connection lost: ${error.message}`));
        await client.connect();
        return client;
      }),
    );
    this.clients.push(...opened);
    return opened;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.end().catch(() => {})));
  }

  /** Debit number `index` of the shared workload (or its amount on the hot wallet), in the given form. */
  debit(form: RawForm, client: pg.Client, index: number, hot: boolean): Promise<void> {
    const planned = plannedDebit(index);
    const customerId = hot ? this.hotCustomerId : this.customerIds[planned.wallet]!;
    return form === 'naive' ? this.naiveDebit(client, customerId, planned.amount) : this.oneStatementDebit(client, customerId, planned.amount);
  }

  private async naiveDebit(client: pg.Client, customerId: string, amountText: string): Promise<void> {
    await client.query('BEGIN');
    try {
      const wallet = (await client.query<WalletRow>({ ...statements.findWallet, values: [this.environmentId, customerId, UNIT_CODE] })).rows[0];
      if (!wallet) throw new Error('wallet missing');
      const grants = (await client.query<GrantRow>({ ...statements.liveGrants, values: [wallet.id] })).rows;
      const amount = toScaled(amountText);
      let available = 0n;
      for (const grant of grants) available += toScaled(grant.available);
      if (available < amount) throw new Error(`insufficient balance in ${wallet.id}`);
      const now = Date.now();
      const debitId = this.nextId('dbt');
      let remaining = amount;
      let balance = toScaled(wallet.balance);
      let sequence = Number(wallet.sequence);
      const allocations: Array<{ grantId: string; amount: string }> = [];
      for (const grant of grants) {
        if (remaining === 0n) break;
        const grantAvailable = toScaled(grant.available);
        const part = grantAvailable < remaining ? grantAvailable : remaining;
        if (part === 0n) continue;
        const left = grantAvailable - part;
        await client.query({ ...statements.updateGrant, values: [toText(left), toText(toScaled(grant.consumed) + part), left > 0n ? 1 : 0, grant.id] });
        remaining -= part;
        balance -= part;
        sequence += 1;
        const partText = toText(part);
        await client.query({
          ...statements.insertEntry,
          values: [this.nextId('le'), this.environmentId, wallet.customer_id, wallet.id, UNIT_CODE, sequence, grant.id, debitId, `-${partText}`, toText(balance), now],
        });
        allocations.push({ grantId: grant.id, amount: partText });
      }
      await client.query({ ...statements.updateWallet, values: [toText(balance), sequence, now, wallet.id] });
      await client.query({
        ...statements.insertDebit,
        values: [debitId, this.environmentId, wallet.customer_id, wallet.id, UNIT_CODE, amountText, JSON.stringify(allocations), now],
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }

  private async oneStatementDebit(client: pg.Client, customerId: string, amountText: string): Promise<void> {
    const result = await client.query<{ ok: boolean | null }>({
      ...statements.oneStatement,
      values: [this.environmentId, customerId, UNIT_CODE, amountText, this.nextId('dbt'), Date.now()],
    });
    if (result.rows[0]?.ok !== true) throw new Error(`insufficient balance for ${customerId}`);
  }

  /** Every customer of this ledger (for balance reads), the hot one last. */
  allCustomerIds(): string[] {
    return [...this.customerIds, this.hotCustomerId];
  }

  get environment(): string {
    return this.environmentId;
  }

  /** Sums the wallets' balances and the ledger: both forms must keep them equal, or the baseline is not doing the accounting. */
  static async check(url: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query<{ id: string; balance: string; entries: string | null; grants: string; sequence: string; count: string }>(
        `SELECT wallets.id, wallets.balance::text AS balance, wallets.sequence::text AS sequence,
           (SELECT sum(amount)::text FROM ledger_entries WHERE wallet_id = wallets.id) AS entries,
           (SELECT count(*)::text FROM ledger_entries WHERE wallet_id = wallets.id) AS count,
           (SELECT sum(available)::text FROM grants WHERE wallet_id = wallets.id) AS grants
         FROM wallets`,
      );
      const problems: string[] = [];
      for (const row of rows.rows) {
        const debited = row.entries === null ? 0n : -toScaled(row.entries);
        const start = GRANTS_PER_WALLET.reduce((total, plan) => total + toScaled(plan.amount), 0n);
        if (toScaled(row.balance) !== start - debited) problems.push(`${row.id}: balance ${row.balance} != grants - ledger`);
        if (toScaled(row.grants) !== toScaled(row.balance)) problems.push(`${row.id}: grant remainders ${row.grants} != balance ${row.balance}`);
        // Seeding sets the sequence to the number of grants without booking grant entries, as raw-ledger.ts does.
        if (Number(row.sequence) !== GRANTS_PER_WALLET.length + Number(row.count)) problems.push(`${row.id}: sequence ${row.sequence} != ${row.count} entries + seed`);
      }
      return problems;
    } finally {
      await client.end();
    }
  }
}

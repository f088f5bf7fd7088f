import Database from 'better-sqlite3';
import { CREDITBOOK_ROWS_SCHEMA, RAW_SQLITE_SCHEMA } from './raw-schema.ts';
import { expiresAt, GRANTS_PER_WALLET, plannedDebit, UNIT_CODE, UNIT_SCALE, WALLET_COUNT, type GrantPlan } from './workload.ts';

/**
 * The baseline: a hand-written better-sqlite3 script doing the same debit
 * accounting as creditbook, on its own frozen schema (raw-schema.ts: the same
 * tables, only the indexes its queries need), with the same pragmas (WAL,
 * synchronous=FULL, foreign_keys=ON), decimal TEXT amounts and 26-character
 * sortable text keys. No app layer: prepared statements, plain rows, bigint
 * arithmetic inline. The minimal route (minimal-route-server.ts) runs the
 * same debit behind HTTP.
 */

const SCALE = 10n ** 10n;

/** `prefix_` + 10 characters of start time + a 16-character counter: unique, increasing, ULID-sized. */
export function idFactory(): (prefix: string) => string {
  const start = Date.now().toString(32).padStart(10, '0');
  let counter = 0;
  return (prefix) => `${prefix}_${start}${(counter++).toString(32).padStart(16, '0')}`;
}
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export function toScaled(text: string): bigint {
  const match = DECIMAL.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const magnitude = BigInt(match[2]!) * SCALE + BigInt((match[3] ?? '').padEnd(10, '0'));
  return match[1] ? -magnitude : magnitude;
}

export function toText(value: bigint): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const fraction = (magnitude % SCALE).toString().padStart(10, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${magnitude / SCALE}${fraction ? `.${fraction}` : ''}`;
}

interface WalletRow {
  id: string;
  customer_id: string;
  balance: string;
  sequence: number;
}

interface GrantRow {
  id: string;
  available: string;
  consumed: string;
}

export interface RawLedgerOptions {
  /** Customers to seed (default: WALLET_COUNT made-up IDs). */
  customerIds?: readonly string[];
  /** Grants per wallet, in plan order (default: the in-process workload's). */
  grants?: readonly GrantPlan[];
  /** Default FULL; the minimal route runs NORMAL and fdatasyncs the WAL itself (group commit). */
  synchronous?: 'FULL' | 'NORMAL';
  /** better-sqlite3's `verbose`: told every statement (the statement-count figures). */
  onStatement?: (sql: string) => void;
  /**
   * Also write what a Creditbook debit writes besides the accounting (raw-schema.ts, CREDITBOOK_ROWS_SCHEMA): the
   * ledger's two indexes, a `debit.created` outbox event and an audit row, each debit.
   */
  creditbookRows?: boolean;
}

/** Who asked for a debit, for its audit row (with `creditbookRows`). */
export interface RawActor {
  apiKeyId: string;
  requestId: string;
  clientAddress: string;
}

export class RawLedger {
  readonly db: Database.Database;
  private readonly nextId = idFactory();
  private readonly environmentId: string;
  readonly customerIds: string[] = [];
  private readonly statements: {
    findWallet: Database.Statement<[string, string, string, string], WalletRow>;
    liveGrants: Database.Statement<[string], GrantRow>;
    updateGrant: Database.Statement;
    insertEntry: Database.Statement;
    updateWallet: Database.Statement;
    insertDebit: Database.Statement;
    insertEvent?: Database.Statement | undefined;
    insertAudit?: Database.Statement | undefined;
  };
  /** One debit, one transaction (BEGIN IMMEDIATE … COMMIT, one fsync). */
  readonly debitOne: (index: number) => number;
  /** `count` debits in one transaction. */
  readonly debitBatch: (index: number, count: number) => number;

  constructor(path: string, options: RawLedgerOptions = {}) {
    this.db = new Database(path, options.onStatement ? { verbose: (sql: unknown) => options.onStatement!(String(sql)) } : {});
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(RAW_SQLITE_SCHEMA);
    if (options.creditbookRows) this.db.exec(CREDITBOOK_ROWS_SCHEMA);
    this.environmentId = this.id('env');
    this.seed(options.customerIds ?? Array.from({ length: WALLET_COUNT }, () => this.id('cus')), options.grants ?? GRANTS_PER_WALLET);
    this.statements = {
      findWallet: this.db.prepare<[string, string, string, string], WalletRow>(
        'SELECT id, customer_id, balance, sequence FROM wallets WHERE environment_id = ? AND customer_id = ? AND unit = ? AND wallet_key = ?',
      ),
      liveGrants: this.db.prepare<[string], GrantRow>(
        `SELECT id, available, consumed FROM grants WHERE wallet_id = ? AND live = 1
         ORDER BY priority, expires_at NULLS LAST, CASE category WHEN 'promotional' THEN 0 ELSE 1 END, effective_at, ordinal`,
      ),
      updateGrant: this.db.prepare('UPDATE grants SET available = ?, consumed = ?, live = ? WHERE id = ?'),
      insertEntry: this.db.prepare(
        `INSERT INTO ledger_entries (id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id,
           amount, held_amount, balance_after, held_after, effective_at, created_at)
         VALUES (?, ?, ?, ?, ?, '', ?, 'debit', ?, ?, NULL, ?, '0', ?, '0', ?, ?)`,
      ),
      updateWallet: this.db.prepare('UPDATE wallets SET balance = ?, sequence = ?, advanced_to = ? WHERE id = ?'),
      insertDebit: this.db.prepare(
        `INSERT INTO debits (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, consumed, overdrawn, shortfall,
           feature, policy, hold_id, allocations, occurred_at, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, '', ?, ?, '0', '0', ?, 'reject', NULL, ?, ?, '{}', ?)`,
      ),
      insertEvent: options.creditbookRows
        ? this.db.prepare("INSERT INTO events (id, environment_id, type, customer_id, data, created_at, fanned_out) VALUES (?, ?, 'debit.created', NULL, ?, ?, 1)")
        : undefined,
      insertAudit: options.creditbookRows
        ? this.db.prepare(
            "INSERT INTO audit_log (id, environment_id, api_key_id, operation, object_id, request_id, client_address, created_at) VALUES (?, ?, ?, 'POST /v1/debits', ?, ?, ?, ?)",
          )
        : undefined,
    };
    const single = this.db.transaction((index: number) => this.debit(index));
    this.debitOne = (index) => {
      single.immediate(index);
      return 1;
    };
    const batch = this.db.transaction((index: number, count: number) => {
      for (let offset = 0; offset < count; offset += 1) this.debit(index + offset);
    });
    this.debitBatch = (index, count) => {
      batch.immediate(index, count);
      return count;
    };
  }

  close(): void {
    this.db.close();
  }

  private id(prefix: string): string {
    return this.nextId(prefix);
  }

  private seed(customerIds: readonly string[], grants: readonly GrantPlan[]): void {
    const now = Date.now();
    const insertGrant = this.db.prepare(
      `INSERT INTO grants (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, available, held, consumed, expired, voided,
         category, priority, effective_at, expires_at, created_at, activated_at, expired_at, voided_at, ordinal, payment_pending, applies_to,
         name, metadata, cost_amount, cost_currency, live)
       VALUES (?, ?, ?, ?, ?, '', ?, ?, '0', '0', '0', '0', ?, ?, ?, ?, ?, ?, NULL, NULL, ?, 0, '[]', NULL, '{}', NULL, NULL, 1)`,
    );
    const insertWallet = this.db.prepare(
      `INSERT INTO wallets (id, environment_id, customer_id, unit, wallet_key, overdraft_limit, overdraft, balance, held, sequence, grant_count,
         advanced_to, next_event_at, created_at) VALUES (?, ?, ?, ?, '', '0', '0', ?, '0', ?, ?, ?, NULL, ?)`,
    );
    const insertCustomer = this.db.prepare(
      "INSERT INTO customers (id, environment_id, external_id, name, email, metadata, created_at) VALUES (?, ?, NULL, NULL, NULL, '{}', ?)",
    );
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO environments (id, mode, name, frozen_clock_at, created_at) VALUES (?, 'test', 'test', NULL, ?)")
        .run(this.environmentId, now);
      this.db.prepare('INSERT INTO units (environment_id, code, scale, name, created_at) VALUES (?, ?, ?, NULL, ?)').run(this.environmentId, UNIT_CODE, UNIT_SCALE, now);
      for (const customerId of customerIds) {
        const walletId = this.id('wal');
        this.customerIds.push(customerId);
        insertCustomer.run(customerId, this.environmentId, now);
        let balance = 0n;
        for (const plan of grants) balance += toScaled(plan.amount);
        insertWallet.run(walletId, this.environmentId, customerId, UNIT_CODE, toText(balance), grants.length, grants.length, now, now);
        grants.forEach((plan, index) => {
          insertGrant.run(this.id('grt'), this.environmentId, customerId, walletId, UNIT_CODE, plan.amount, plan.amount, plan.category, plan.priority, now, expiresAt(plan, now), now, now, index + 1);
        });
      }
    }).immediate();
  }

  private debit(index: number): void {
    const planned = plannedDebit(index);
    const debited = this.debitCustomer(this.customerIds[planned.wallet]!, planned.amount);
    if (!debited) throw new Error(`insufficient balance for debit ${index}`);
  }

  /** The balance of a customer's wallet from its live grants, in one read transaction. */
  balance(customerId: string): string | undefined {
    this.db.exec('BEGIN');
    try {
      const wallet = this.statements.findWallet.get(this.environmentId, customerId, UNIT_CODE, '');
      if (!wallet) return undefined;
      let available = 0n;
      for (const grant of this.statements.liveGrants.all(wallet.id)) available += toScaled(grant.available);
      return toText(available);
    } finally {
      this.db.exec('COMMIT');
    }
  }

  /**
   * Read the wallet, take from live grants in burn order, book entries, update
   * the wallet, insert the debit; inside the caller's transaction. Returns the
   * debit's ID, or undefined (and writes nothing) when the wallet holds too little.
   */
  debitCustomer(customerId: string, amountText: string, feature: string | null = null, actor?: RawActor): string | undefined {
    const { statements } = this;
    const wallet = statements.findWallet.get(this.environmentId, customerId, UNIT_CODE, '');
    if (!wallet) return undefined;
    const amount = toScaled(amountText);
    const grants = statements.liveGrants.all(wallet.id);
    let available = 0n;
    for (const grant of grants) available += toScaled(grant.available);
    if (available < amount) return undefined;
    const now = Date.now();
    const debitId = this.id('dbt');
    let remaining = amount;
    let balance = toScaled(wallet.balance);
    let sequence = wallet.sequence;
    const allocations: Array<{ grantId: string; amount: string }> = [];
    for (const grant of grants) {
      if (remaining === 0n) break;
      const grantAvailable = toScaled(grant.available);
      const part = grantAvailable < remaining ? grantAvailable : remaining;
      if (part === 0n) continue;
      const left = grantAvailable - part;
      statements.updateGrant.run(toText(left), toText(toScaled(grant.consumed) + part), left > 0n ? 1 : 0, grant.id);
      remaining -= part;
      balance -= part;
      sequence += 1;
      const partText = toText(part);
      statements.insertEntry.run(this.id('le'), this.environmentId, wallet.customer_id, wallet.id, UNIT_CODE, sequence, grant.id, debitId, `-${partText}`, toText(balance), now, now);
      allocations.push({ grantId: grant.id, amount: partText });
    }
    statements.updateWallet.run(toText(balance), sequence, now, wallet.id);
    statements.insertDebit.run(debitId, this.environmentId, wallet.customer_id, wallet.id, UNIT_CODE, amountText, amountText, feature, JSON.stringify(allocations), now, now);
    if (statements.insertEvent && statements.insertAudit) {
      const data = JSON.stringify({ debitId, walletId: wallet.id, customerId: wallet.customer_id, unit: UNIT_CODE, walletKey: null });
      statements.insertEvent.run(`evt_${debitId.slice(4)}`, this.environmentId, data, now);
      if (!actor) throw new Error('With creditbookRows a debit needs its actor, for its audit row.');
      statements.insertAudit.run(this.id('aud'), this.environmentId, actor.apiKeyId, debitId, actor.requestId, actor.clientAddress, now);
    }
    return debitId;
  }
}

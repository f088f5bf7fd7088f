import type { Page, PageRequest, WalletAddress, WalletRecord } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchPage, idWindow } from './pagination.ts';
import { ChangedColumnsUpdate } from './changed-columns.ts';
import { amountColumn, placeholders, readAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class WalletQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /** Finds a wallet; with `lock`, holds its row lock until the transaction ends (per-wallet serialisation). */
  async find(address: WalletAddress, options: { lock: boolean }): Promise<WalletRecord | undefined> {
    const row = await this.executor.get<Row>(
      `SELECT * FROM wallets WHERE environment_id = ? AND customer_id = ? AND unit = ? AND wallet_key = ?${this.lockClause(options.lock)}`,
      [address.environmentId, address.customerId, address.unit, address.walletKey],
    );
    return row && mapWallet(row);
  }

  async getById(environmentId: string, id: string, options: { lock: boolean }): Promise<WalletRecord | undefined> {
    const row = await this.executor.get<Row>(`SELECT * FROM wallets WHERE environment_id = ? AND id = ?${this.lockClause(options.lock)}`, [
      environmentId,
      id,
    ]);
    return row && mapWallet(row);
  }

  /** A customer's wallets, optionally of one unit and key, in ID order (a range of `wallets_address`). */
  async listOfCustomer(environmentId: string, customerId: string, filters: { unit?: string | undefined; walletKey?: string | undefined }): Promise<WalletRecord[]> {
    const { where, params } = equalityFilters({ environment_id: environmentId, customer_id: customerId, unit: filters.unit, wallet_key: filters.walletKey });
    return (await this.executor.all<Row>(`SELECT * FROM wallets WHERE ${where.join(' AND ')} ORDER BY id`, params)).map(mapWallet);
  }

  /** Inserts unless another transaction created the same address first; returns whether it inserted. */
  async insert(wallet: WalletRecord): Promise<boolean> {
    const changed = await this.executor.run(
      `INSERT INTO wallets (id, environment_id, customer_id, unit, wallet_key, created_at, ${WALLET_STATE_UPDATE.names.join(', ')})
       VALUES (${placeholders(6 + WALLET_STATE_UPDATE.columns.length)}) ON CONFLICT DO NOTHING`,
      [wallet.id, wallet.environmentId, wallet.customerId, wallet.unit, wallet.walletKey, wallet.createdAt, ...WALLET_STATE_UPDATE.storedValues(wallet)],
    );
    return changed > 0;
  }

  /**
   * Writes the wallet's state (never `has_settings`: see WalletRecord); given the
   * record it was read as, only the columns that changed (none: no statement).
   * Returns whether it wrote.
   */
  async update(wallet: WalletRecord, previous?: WalletRecord): Promise<boolean> {
    const update = WALLET_STATE_UPDATE.changes(wallet, wallet.id, previous);
    if (!update) return false;
    await this.executor.run(update.sql, update.params);
    return true;
  }

  /**
   * The environment's wallets, newest first, in one statement: a customer's are a range of `wallets_address` (a
   * few); any other list walks the primary key through every environment's wallets until a page matches, so
   * app/accounts.ts reads those in windows (`listWindow`).
   */
  list(environmentId: string, filters: { customerId?: string; unit?: string; walletKey?: string }, page: PageRequest): Promise<Page<WalletRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, unit: filters.unit, wallet_key: filters.walletKey });
    const walksKey = this.capabilities.indexedBy && filters.customerId === undefined;
    return fetchPage({ executor: this.executor, table: 'wallets', environmentId, where, params, page, map: mapWallet, primaryKeyIndex: walksKey ? 'sqlite_autoindex_wallets_1' : undefined });
  }

  /**
   * One window of the environment's list, not by customer: the next `window` IDs of the primary key beyond `after`
   * (an ID, of any environment's wallet), of which the environment's of that unit and key, at most `limit`
   * (fetchWindow). On SQLite the query names the key, as `list` does: `wallets_key` would serve a key, but not in
   * ID order.
   */
  listWindow(
    environmentId: string,
    filters: { unit?: string | undefined; walletKey?: string | undefined },
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: WalletRecord[]; reached: string | null }> {
    const table = this.capabilities.indexedBy ? 'wallets INDEXED BY sqlite_autoindex_wallets_1' : 'wallets';
    return idWindow(this.executor, table, equalityFilters({ environment_id: environmentId, unit: filters.unit, wallet_key: filters.walletKey }), input, mapWallet);
  }

  /**
   * Wallets with a time-driven event due by `now` in environments that follow the
   * real clock. With SKIP LOCKED, nodes sweeping at once take different wallets.
   */
  async claimDue(now: number, limit: number): Promise<Array<{ id: string; environmentId: string }>> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE OF wallets SKIP LOCKED' : '';
    return this.executor.all(
      `SELECT wallets.id AS id, wallets.environment_id AS "environmentId" FROM wallets
       JOIN environments ON environments.id = wallets.environment_id
       WHERE wallets.next_event_at <= ? AND environments.frozen_clock_at IS NULL
       ORDER BY wallets.next_event_at LIMIT ?${skipLocked}`,
      [now, limit],
    );
  }

  /** Wallets of one environment with an event due by `until` (test-clock advance), at most `limit`. */
  async listDueInEnvironment(environmentId: string, until: number, limit: number): Promise<string[]> {
    const rows = await this.executor.all<Row>('SELECT id FROM wallets WHERE environment_id = ? AND next_event_at <= ? ORDER BY id LIMIT ?', [
      environmentId,
      until,
      limit,
    ]);
    return rows.map((row) => String(row.id));
  }

  /**
   * Every period that makes boundaries in this environment: wallets' usage
   * periods and schedules' recurrence periods (a cancelled schedule's grants
   * still reset at its boundaries).
   */
  async recurrencePeriodsInEnvironment(environmentId: string): Promise<string[]> {
    const rows = await this.executor.all<Row>(
      `SELECT DISTINCT period FROM wallets WHERE environment_id = ? AND period IS NOT NULL
       UNION SELECT DISTINCT recurrence_period FROM grant_schedules WHERE environment_id = ?`,
      [environmentId, environmentId],
    );
    return rows.map((row) => String(row.period));
  }

  async allIds(): Promise<Array<{ id: string; environmentId: string }>> {
    return this.executor.all('SELECT id, environment_id AS "environmentId" FROM wallets ORDER BY id');
  }

  private lockClause(lock: boolean): string {
    return lock && this.capabilities.rowLocks ? ' FOR UPDATE' : '';
  }
}

/** What `update` may write (never `has_settings`: see WalletRecord); `insert` writes the same columns. */
const WALLET_STATE_UPDATE = new ChangedColumnsUpdate<WalletRecord>('wallets', [
  { name: 'overdraft_limit', value: (wallet) => wallet.overdraftLimit, stored: amountColumn },
  { name: 'overdraft', value: (wallet) => wallet.overdraft, stored: amountColumn },
  { name: 'balance', value: (wallet) => wallet.balance, stored: amountColumn },
  { name: 'held', value: (wallet) => wallet.held, stored: amountColumn },
  { name: 'sequence', value: (wallet) => wallet.sequence },
  { name: 'grant_count', value: (wallet) => wallet.grantCount },
  { name: 'advanced_to', value: (wallet) => wallet.advancedTo },
  { name: 'next_event_at', value: (wallet) => wallet.nextEventAt },
  { name: 'period', value: (wallet) => wallet.period },
  { name: 'period_anchor', value: (wallet) => wallet.periodAnchor },
  { name: 'period_start', value: (wallet) => wallet.periodStart },
  { name: 'period_usage', value: (wallet) => wallet.periodUsage, stored: amountColumn },
  { name: 'has_schedules', value: (wallet) => (wallet.hasSchedules ? 1 : 0) },
  { name: 'last_debit_id', value: (wallet) => wallet.lastDebitId },
]);

export function mapWallet(row: Row): WalletRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    overdraftLimit: readAmount(row.overdraft_limit),
    overdraft: readAmount(row.overdraft),
    balance: readAmount(row.balance),
    held: readAmount(row.held),
    sequence: Number(row.sequence),
    grantCount: Number(row.grant_count),
    advancedTo: readTime(row.advanced_to),
    nextEventAt: readOptionalTime(row.next_event_at),
    createdAt: readTime(row.created_at),
    period: readOptionalText(row.period),
    periodAnchor: readOptionalTime(row.period_anchor),
    periodStart: readOptionalTime(row.period_start),
    periodUsage: readAmount(row.period_usage),
    hasSchedules: Number(row.has_schedules) === 1,
    hasSettings: Number(row.has_settings) === 1,
    lastDebitId: readOptionalText(row.last_debit_id),
  };
}

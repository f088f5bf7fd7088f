import type { Page, PageRequest, WalletAddress, WalletRecord } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchPage } from './pagination.ts';
import { amountColumn, changedAssignments, placeholders, readAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

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
      `INSERT INTO wallets (id, environment_id, customer_id, unit, wallet_key, created_at, ${UPDATED_COLUMNS.join(', ')})
       VALUES (${placeholders(6 + UPDATED_COLUMNS.length)}) ON CONFLICT DO NOTHING`,
      [wallet.id, wallet.environmentId, wallet.customerId, wallet.unit, wallet.walletKey, wallet.createdAt, ...updatedValues(wallet)],
    );
    return changed > 0;
  }

  /**
   * Writes the wallet's state (never `has_settings`: see WalletRecord); given the
   * record it was read as, only the columns that changed (none: no statement).
   * Returns whether it wrote.
   */
  async update(wallet: WalletRecord, previous?: WalletRecord): Promise<boolean> {
    const assignments = changedAssignments(UPDATED_COLUMNS, updatedValues(wallet), previous && updatedValues(previous));
    if (!assignments) return false;
    await this.executor.run(`UPDATE wallets SET ${assignments.set} WHERE id = ?`, [...assignments.params, wallet.id]);
    return true;
  }

  list(environmentId: string, filters: { customerId?: string; unit?: string; walletKey?: string }, page: PageRequest): Promise<Page<WalletRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, unit: filters.unit, wallet_key: filters.walletKey });
    return fetchPage({ executor: this.executor, table: 'wallets', environmentId, where, params, page, map: mapWallet });
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

/** What `update` may write, in the order of `updatedValues`. */
const UPDATED_COLUMNS = [
  'overdraft_limit', 'overdraft', 'balance', 'held', 'sequence', 'grant_count', 'advanced_to', 'next_event_at',
  'period', 'period_anchor', 'period_start', 'period_usage', 'has_schedules',
] as const;

function updatedValues(wallet: WalletRecord): unknown[] {
  return [
    amountColumn(wallet.overdraftLimit),
    amountColumn(wallet.overdraft),
    amountColumn(wallet.balance),
    amountColumn(wallet.held),
    wallet.sequence,
    wallet.grantCount,
    wallet.advancedTo,
    wallet.nextEventAt,
    wallet.period,
    wallet.periodAnchor,
    wallet.periodStart,
    amountColumn(wallet.periodUsage),
    wallet.hasSchedules ? 1 : 0,
  ];
}

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
  };
}

import type { DebitRecord } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, idWindow } from './pagination.ts';
import { allocationsColumn, amountColumn, jsonColumn, placeholders, readAllocations, readAmount, readJson, readOptionalText, readTime, type Row } from './row-mapping.ts';

export interface DebitFilters {
  customerId?: string;
  unit?: string;
  walletKey?: string;
  feature?: string;
  holdId?: string;
}

/** The condition of `debits_unbooked` (migration 20), word for word: a debit that took no credit and overdrew nothing. */
const UNBOOKED = "consumed = '0' AND overdrawn = '0'";

export class DebitQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(debit: DebitRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO debits (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, consumed, overdrawn, shortfall,
         feature, policy, hold_id, allocations, occurred_at, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        debit.id,
        debit.environmentId,
        debit.customerId,
        debit.walletId,
        debit.unit,
        debit.walletKey,
        amountColumn(debit.amount),
        amountColumn(debit.consumed),
        amountColumn(debit.overdrawn),
        amountColumn(debit.shortfall),
        debit.feature,
        debit.policy,
        debit.holdId,
        allocationsColumn(debit.allocations),
        debit.occurredAt,
        jsonColumn(debit.metadata),
        debit.createdAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<DebitRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM debits WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapDebit(row);
  }

  /** The debits of these IDs in the environment (at most a few hundred: one statement), by ID; an ID that is none is left out. */
  async getMany(environmentId: string, ids: readonly string[]): Promise<Map<string, DebitRecord>> {
    const found = new Map<string, DebitRecord>();
    if (ids.length === 0) return found;
    const rows = await this.executor.all<Row>(`SELECT * FROM debits WHERE environment_id = ? AND id IN (${placeholders(ids.length)})`, [environmentId, ...ids]);
    for (const row of rows) found.set(String(row.id), mapDebit(row));
    return found;
  }

  /**
   * A customer's debits that took no credit and overdrew nothing, so book no ledger entry (migration 20): IDs beyond
   * `after` and short of `before` in the walk's direction (either may be null), at most `limit`. A range of
   * `debits_unbooked`, whose condition the query repeats word for word so both planners use it.
   */
  async listUnbookedOfCustomer(
    environmentId: string,
    customerId: string,
    filters: { unit?: string | undefined; walletKey?: string | undefined; walletId?: string | undefined },
    bounds: { after: string | null; before: string | null; descending: boolean; limit: number },
  ): Promise<DebitRecord[]> {
    const { where, params } = equalityFilters({ environment_id: environmentId, customer_id: customerId, unit: filters.unit, wallet_key: filters.walletKey, wallet_id: filters.walletId });
    const [beyond, short] = bounds.descending ? ['<', '>'] : ['>', '<'];
    if (bounds.after !== null) {
      where.push(`id ${beyond} ?`);
      params.push(bounds.after);
    }
    if (bounds.before !== null) {
      where.push(`id ${short} ?`);
      params.push(bounds.before);
    }
    const table = this.capabilities.indexedBy ? 'debits INDEXED BY debits_unbooked' : 'debits';
    const rows = await this.executor.all<Row>(
      `SELECT * FROM ${table} WHERE ${where.join(' AND ')} AND ${UNBOOKED} ORDER BY id ${bounds.descending ? 'DESC' : 'ASC'} LIMIT ?`,
      [...params, bounds.limit],
    );
    return rows.map(mapDebit);
  }

  /** How many debits of each wallet took credit or overdrew (so name ledger entries): what `verify` counts against the ledger. One scan of the table. */
  async countBookedByWallet(): Promise<Map<string, number>> {
    const rows = await this.executor.all<Row>(`SELECT wallet_id, COUNT(*) AS count FROM debits WHERE NOT (${UNBOOKED}) GROUP BY wallet_id`);
    return new Map(rows.map((row) => [String(row.wallet_id), Number(row.count)]));
  }

  /**
   * One window of the environment's debits, newest first or oldest (no index serves a filter, nor the environment
   * itself: one would cost every debit a write): the next `window` IDs of the primary key beyond `after` (an ID, of
   * any environment's debit), of which those of the environment that pass the filters, at most `limit`
   * (fetchWindow). app/debit-reads.ts reads such windows a turn apart until a page is full; a customer's debits are
   * read through its wallets (app/customer-debits.ts).
   */
  listWindow(
    environmentId: string,
    filters: Omit<DebitFilters, 'customerId'>,
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: DebitRecord[]; reached: string | null }> {
    if ((filters as DebitFilters).customerId !== undefined) throw new Error("A customer's debits are read through its wallets.");
    return idWindow(
      this.executor,
      'debits',
      equalityFilters({ environment_id: environmentId, unit: filters.unit, wallet_key: filters.walletKey, feature: filters.feature, hold_id: filters.holdId }),
      input,
      mapDebit,
    );
  }
}

function mapDebit(row: Row): DebitRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    amount: readAmount(row.amount),
    consumed: readAmount(row.consumed),
    overdrawn: readAmount(row.overdrawn),
    shortfall: readAmount(row.shortfall),
    feature: readOptionalText(row.feature),
    policy: row.policy as DebitRecord['policy'],
    holdId: readOptionalText(row.hold_id),
    allocations: readAllocations(row.allocations),
    occurredAt: readTime(row.occurred_at),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

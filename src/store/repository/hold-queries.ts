import type { HoldState, HoldStatus } from '../../domain/types.ts';
import type { HoldRecord } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { allFilters, equalityFilters, idWindow } from './pagination.ts';
import { allocationsColumn, amountColumn, jsonColumn, readAllocations, readAmount, readJson, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export interface HoldFilters {
  customerId?: string;
  unit?: string;
  walletKey?: string;
  status?: { status: HoldStatus; now: number };
}

export class HoldQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(hold: HoldRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO holds (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, feature, expires_at, status,
         allocations, captured_amount, debit_id, metadata, created_at, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        hold.id,
        hold.environmentId,
        hold.customerId,
        hold.walletId,
        hold.unit,
        hold.walletKey,
        amountColumn(hold.amount),
        hold.feature,
        hold.expiresAt,
        hold.status,
        allocationsColumn(hold.allocations),
        amountColumn(hold.capturedAmount),
        hold.debitId,
        jsonColumn(hold.metadata),
        hold.createdAt,
        hold.endedAt,
      ],
    );
  }

  async updateState(hold: HoldState): Promise<void> {
    await this.executor.run('UPDATE holds SET status = ?, allocations = ?, captured_amount = ?, debit_id = ?, ended_at = ? WHERE id = ?', [
      hold.status,
      allocationsColumn(hold.allocations),
      amountColumn(hold.capturedAmount),
      hold.debitId,
      hold.endedAt,
      hold.id,
    ]);
  }

  async get(environmentId: string, id: string): Promise<HoldRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM holds WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapHold(row);
  }

  /**
   * One window of the environment's holds, newest first or oldest (no index serves the environment or any filter):
   * the next `window` IDs of the primary key beyond `after` (an ID, of any environment's hold), of which the
   * environment's that pass the filters, at most `limit` (fetchWindow). app/holds.ts reads such windows a turn apart
   * until a page is full.
   */
  listWindow(
    environmentId: string,
    filters: HoldFilters,
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: HoldRecord[]; reached: string | null }> {
    return idWindow(this.executor, 'holds', allFilters(equalityFilters({ environment_id: environmentId }), holdFilters(filters)), input, mapHold);
  }

  async loadActive(walletId: string): Promise<HoldRecord[]> {
    // In creation order (time-sortable IDs): holds lapsing at one instant are booked in that order.
    return (await this.executor.all<Row>("SELECT * FROM holds WHERE wallet_id = ? AND status = 'active' ORDER BY id", [walletId])).map(mapHold);
  }

  async loadAll(walletId: string): Promise<HoldRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM holds WHERE wallet_id = ? ORDER BY id', [walletId])).map(mapHold);
  }
}

/**
 * The filters as conditions. `status` is the status at `now`: an active hold past its expiresAt is expired even
 * before the sweep books it.
 */
function holdFilters(filters: HoldFilters): { where: string[]; params: unknown[] } {
  const status = filters.status;
  const statusCondition =
    status === undefined
      ? { where: [], params: [] }
      : status.status === 'active'
      ? { where: ["status = 'active' AND expires_at > ?"], params: [status.now] }
      : status.status === 'expired'
      ? { where: ["(status = 'expired' OR (status = 'active' AND expires_at <= ?))"], params: [status.now] }
      : { where: ['status = ?'], params: [status.status] };
  return allFilters(equalityFilters({ customer_id: filters.customerId, unit: filters.unit, wallet_key: filters.walletKey }), statusCondition);
}

export function mapHold(row: Row): HoldRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    amount: readAmount(row.amount),
    feature: readOptionalText(row.feature),
    expiresAt: readTime(row.expires_at),
    status: row.status as HoldRecord['status'],
    allocations: readAllocations(row.allocations),
    capturedAmount: readAmount(row.captured_amount),
    debitId: readOptionalText(row.debit_id),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
    endedAt: readOptionalTime(row.ended_at),
  };
}

import type { ScheduleState } from '../../domain/types.ts';
import type { Page, PageRequest, ScheduleRecord } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { equalityFilters, fetchPage } from './pagination.ts';
import { amountColumn, optionalAmountColumn, jsonColumn, readAmount, readJson, readOptionalAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

/** Recurring grant schedules. A wallet has few, so every one of them is loaded with the wallet. */
export class ScheduleQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(schedule: ScheduleRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO grant_schedules (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, category, priority, applies_to,
         reset_max_rollover, reset_min_rollover, recurrence_period, anchor, issued_count, ends_at, cancelled_at, name, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        schedule.id,
        schedule.environmentId,
        schedule.customerId,
        schedule.walletId,
        schedule.unit,
        schedule.walletKey,
        amountColumn(schedule.amount),
        schedule.category,
        schedule.priority,
        jsonColumn(schedule.appliesTo),
        optionalAmountColumn(schedule.resetMaxRollover),
        optionalAmountColumn(schedule.resetMinRollover),
        schedule.recurrencePeriod,
        schedule.anchor,
        schedule.issuedCount,
        schedule.endsAt,
        schedule.cancelledAt,
        schedule.name,
        jsonColumn(schedule.metadata),
        schedule.createdAt,
      ],
    );
  }

  /** Writes what the engine may change. */
  async updateState(schedule: ScheduleState): Promise<void> {
    await this.executor.run('UPDATE grant_schedules SET issued_count = ?, cancelled_at = ? WHERE id = ?', [
      schedule.issuedCount,
      schedule.cancelledAt,
      schedule.id,
    ]);
  }

  async get(environmentId: string, id: string): Promise<ScheduleRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM grant_schedules WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapSchedule(row);
  }

  async loadForWallet(walletId: string): Promise<ScheduleRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM grant_schedules WHERE wallet_id = ? ORDER BY id', [walletId])).map(mapSchedule);
  }

  list(environmentId: string, filters: { customerId?: string; unit?: string }, page: PageRequest): Promise<Page<ScheduleRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, unit: filters.unit });
    return fetchPage({ executor: this.executor, table: 'grant_schedules', environmentId, where, params, page, map: mapSchedule });
  }
}

function mapSchedule(row: Row): ScheduleRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    amount: readAmount(row.amount),
    category: row.category as ScheduleRecord['category'],
    priority: Number(row.priority),
    appliesTo: readJson<string[]>(row.applies_to),
    resetMaxRollover: readOptionalAmount(row.reset_max_rollover),
    resetMinRollover: readOptionalAmount(row.reset_min_rollover),
    recurrencePeriod: String(row.recurrence_period),
    anchor: readTime(row.anchor),
    issuedCount: Number(row.issued_count),
    endsAt: readOptionalTime(row.ends_at),
    cancelledAt: readOptionalTime(row.cancelled_at),
    name: readOptionalText(row.name),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

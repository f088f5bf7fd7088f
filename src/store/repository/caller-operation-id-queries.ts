import type { CallerOperationIdRecord } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { readTime, type Row } from './row-mapping.ts';

export class CallerOperationIdQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async get(walletId: string, id: string): Promise<CallerOperationIdRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM caller_operation_ids WHERE wallet_id = ? AND id = ?', [walletId, id]);
    return row && mapCallerOperationId(row);
  }

  /** The operations a caller's id names in an environment, one per wallet; at most `limit`. */
  async findById(environmentId: string, id: string, limit: number): Promise<CallerOperationIdRecord[]> {
    const rows = await this.executor.all<Row>('SELECT * FROM caller_operation_ids WHERE environment_id = ? AND id = ? ORDER BY wallet_id LIMIT ?', [
      environmentId,
      id,
      limit,
    ]);
    return rows.map(mapCallerOperationId);
  }

  /** The caller's ids of these operations, where they have one. */
  async findByOperationIds(environmentId: string, operationIds: readonly string[]): Promise<CallerOperationIdRecord[]> {
    if (operationIds.length === 0) return [];
    const placeholders = operationIds.map(() => '?').join(', ');
    const rows = await this.executor.all<Row>(`SELECT * FROM caller_operation_ids WHERE environment_id = ? AND operation_id IN (${placeholders})`, [
      environmentId,
      ...operationIds,
    ]);
    return rows.map(mapCallerOperationId);
  }

  async insert(record: CallerOperationIdRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO caller_operation_ids (environment_id, customer_id, wallet_id, id, operation_id, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [record.environmentId, record.customerId, record.walletId, record.id, record.operationId, record.fingerprint, record.status, record.body, record.createdAt],
    );
  }
}

function mapCallerOperationId(row: Row): CallerOperationIdRecord {
  return {
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    id: String(row.id),
    operationId: String(row.operation_id),
    fingerprint: String(row.fingerprint),
    status: Number(row.status),
    body: String(row.body),
    createdAt: readTime(row.created_at),
  };
}

import type { IdempotencyRecord } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class IdempotencyQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async get(environmentId: string, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM idempotency_keys WHERE environment_id = ? AND scope = ? AND idempotency_key = ?', [
      environmentId,
      scope,
      key,
    ]);
    return (
      row && {
        environmentId: String(row.environment_id),
        scope: String(row.scope),
        key: String(row.idempotency_key),
        fingerprint: String(row.fingerprint),
        status: Number(row.status),
        body: String(row.body),
        createdAt: readTime(row.created_at),
        expiresAt: readOptionalTime(row.expires_at),
      }
    );
  }

  async insert(record: IdempotencyRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO idempotency_keys (environment_id, scope, idempotency_key, fingerprint, status, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [record.environmentId, record.scope, record.key, record.fingerprint, record.status, record.body, record.createdAt, record.expiresAt],
    );
  }

  /** Deletes one record (a claim given back: app/idempotency.ts, releaseIdempotencyClaim). */
  async delete(environmentId: string, scope: string, key: string): Promise<void> {
    await this.executor.run('DELETE FROM idempotency_keys WHERE environment_id = ? AND scope = ? AND idempotency_key = ?', [environmentId, scope, key]);
  }

  /** Deletes at most `limit` records that expired before `now`, the oldest first; returns how many. */
  async deleteExpired(now: number, limit: number): Promise<number> {
    return this.executor.run(
      `DELETE FROM idempotency_keys WHERE (environment_id, scope, idempotency_key) IN (
         SELECT environment_id, scope, idempotency_key FROM idempotency_keys
         WHERE expires_at IS NOT NULL AND expires_at < ? ORDER BY expires_at LIMIT ?)`,
      [now, limit],
    );
  }
}

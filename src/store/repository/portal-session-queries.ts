import type { PortalPack, PortalSessionRecord } from '../payment-records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { jsonColumn, readJson, readOptionalText, readTime, type Row } from './row-mapping.ts';

export class PortalSessionQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(session: PortalSessionRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO portal_sessions (id, environment_id, customer_id, token_hash, return_url, packs, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [session.id, session.environmentId, session.customerId, session.tokenHash, session.returnUrl, jsonColumn(session.packs), session.expiresAt, session.createdAt],
    );
  }

  async findByTokenHash(tokenHash: string): Promise<PortalSessionRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM portal_sessions WHERE token_hash = ?', [tokenHash]);
    return (
      row && {
        id: String(row.id),
        environmentId: String(row.environment_id),
        customerId: String(row.customer_id),
        tokenHash: String(row.token_hash),
        returnUrl: readOptionalText(row.return_url),
        packs: readJson<PortalPack[]>(row.packs),
        expiresAt: readTime(row.expires_at),
        createdAt: readTime(row.created_at),
      }
    );
  }
}

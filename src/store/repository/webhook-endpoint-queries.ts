import type { Instant } from '../../domain/types.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import type { WebhookEndpointRecord } from '../webhook-records.ts';
import { fetchPage } from './pagination.ts';
import { jsonColumn, placeholders, readJson, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class WebhookEndpointQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO webhook_endpoints (id, environment_id, url, event_types, secret, previous_secret, previous_secret_expires_at, description, created_at, deleted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        endpoint.id,
        endpoint.environmentId,
        endpoint.url,
        jsonColumn(endpoint.eventTypes),
        endpoint.secret,
        endpoint.previousSecret,
        endpoint.previousSecretExpiresAt,
        endpoint.description,
        endpoint.createdAt,
        endpoint.deletedAt,
      ],
    );
  }

  /** Replaces the secret; the old one (or null) is kept as the previous secret until `previousSecretExpiresAt`. */
  async rotateSecret(environmentId: string, id: string, rotation: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Instant | null }): Promise<void> {
    await this.executor.run(
      'UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE environment_id = ? AND id = ? AND deleted_at IS NULL',
      [rotation.secret, rotation.previousSecret, rotation.previousSecretExpiresAt, environmentId, id],
    );
  }

  async get(environmentId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM webhook_endpoints WHERE environment_id = ? AND id = ? AND deleted_at IS NULL', [environmentId, id]);
    return row && mapEndpoint(row);
  }

  /** Endpoints of these environments that receive events (not deleted). */
  async listActive(environmentIds: readonly string[]): Promise<WebhookEndpointRecord[]> {
    if (environmentIds.length === 0) return [];
    const rows = await this.executor.all<Row>(
      `SELECT * FROM webhook_endpoints WHERE environment_id IN (${placeholders(environmentIds.length)}) AND deleted_at IS NULL`,
      environmentIds,
    );
    return rows.map(mapEndpoint);
  }

  async markDeleted(environmentId: string, id: string, at: Instant): Promise<boolean> {
    const changed = await this.executor.run('UPDATE webhook_endpoints SET deleted_at = ? WHERE environment_id = ? AND id = ? AND deleted_at IS NULL', [
      at,
      environmentId,
      id,
    ]);
    return changed === 1;
  }

  list(environmentId: string, page: PageRequest): Promise<Page<WebhookEndpointRecord>> {
    return fetchPage({ executor: this.executor, table: 'webhook_endpoints', environmentId, where: ['deleted_at IS NULL'], params: [], page, map: mapEndpoint });
  }
}

function mapEndpoint(row: Row): WebhookEndpointRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    url: String(row.url),
    eventTypes: readJson(row.event_types),
    secret: String(row.secret),
    previousSecret: readOptionalText(row.previous_secret),
    previousSecretExpiresAt: readOptionalTime(row.previous_secret_expires_at),
    description: readOptionalText(row.description),
    createdAt: readTime(row.created_at),
    deletedAt: readOptionalTime(row.deleted_at),
  };
}

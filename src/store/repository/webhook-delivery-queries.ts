import type { Instant } from '../../domain/types.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import type { DeliveryStatus, WebhookAttemptRecord, WebhookDeliveryRecord } from '../webhook-records.ts';
import { fetchPage } from './pagination.ts';
import { placeholders, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class WebhookDeliveryQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /** Deliveries still to be sent, across environments: the backlog operators watch. */
  async countPending(): Promise<number> {
    const row = await this.executor.get<{ pending: number | string }>("SELECT COUNT(*) AS pending FROM webhook_deliveries WHERE status = 'pending'");
    return Number(row?.pending ?? 0);
  }

  /** Inserts unless this endpoint already has a delivery of this event. */
  async insert(delivery: WebhookDeliveryRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO webhook_deliveries (id, environment_id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at,
         last_status_code, last_error, created_at, delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        delivery.id,
        delivery.environmentId,
        delivery.endpointId,
        delivery.eventId,
        delivery.eventType,
        delivery.status,
        delivery.attempts,
        delivery.nextAttemptAt,
        delivery.lastAttemptAt,
        delivery.lastStatusCode,
        delivery.lastError,
        delivery.createdAt,
        delivery.deliveredAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<WebhookDeliveryRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM webhook_deliveries WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapDelivery(row);
  }

  /**
   * Claims deliveries due by `now` and leases them until `leaseUntil` (their next
   * attempt moves there), so no other node sends them meanwhile.
   */
  async claimDue(input: { now: Instant; leaseUntil: Instant; limit: number }): Promise<WebhookDeliveryRecord[]> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?${skipLocked}`,
      [input.now, input.limit],
    );
    for (const row of rows) await this.executor.run('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?', [input.leaseUntil, row.id]);
    return rows.map(mapDelivery);
  }

  /** Records an attempt's outcome, unless the delivery ended meanwhile (endpoint deleted). */
  async recordAttempt(
    id: string,
    outcome: { status: DeliveryStatus; attemptedAt: Instant; statusCode: number | null; error: string | null; nextAttemptAt: Instant | null },
  ): Promise<boolean> {
    const changed = await this.executor.run(
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status_code = ?, last_error = ?,
         next_attempt_at = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
       WHERE id = ? AND status = 'pending'`,
      [outcome.status, outcome.attemptedAt, outcome.statusCode, outcome.error, outcome.nextAttemptAt, outcome.status, outcome.attemptedAt, id],
    );
    return changed === 1;
  }

  /** A manual resend: the delivery goes back to pending, due now, whatever its state (but not for a deleted endpoint). */
  async reschedule(id: string, at: Instant): Promise<void> {
    await this.executor.run("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status <> 'canceled'", [at, id]);
  }

  async cancelPending(endpointId: string): Promise<void> {
    await this.executor.run("UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL WHERE endpoint_id = ? AND status = 'pending'", [endpointId]);
  }

  list(environmentId: string, filters: { endpointId: string; status?: DeliveryStatus }, page: PageRequest): Promise<Page<WebhookDeliveryRecord>> {
    const where = ['endpoint_id = ?'];
    const params: unknown[] = [filters.endpointId];
    if (filters.status !== undefined) {
      where.push('status = ?');
      params.push(filters.status);
    }
    return fetchPage({ executor: this.executor, table: 'webhook_deliveries', environmentId, where, params, page, map: mapDelivery });
  }

  async insertAttempt(attempt: WebhookAttemptRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO webhook_attempts (id, environment_id, endpoint_id, delivery_id, attempt, triggered_by, started_at, duration_ms, status_code, error, response_body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        attempt.id,
        attempt.environmentId,
        attempt.endpointId,
        attempt.deliveryId,
        attempt.attempt,
        attempt.trigger,
        attempt.startedAt,
        attempt.durationMs,
        attempt.statusCode,
        attempt.error,
        attempt.responseBody,
      ],
    );
  }

  /** Attempts of these deliveries, oldest first. */
  async attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.executor.all<Row>(
      `SELECT * FROM webhook_attempts WHERE delivery_id IN (${placeholders(deliveryIds.length)}) ORDER BY delivery_id, id`,
      deliveryIds,
    );
    return rows.map(mapAttempt);
  }
}

function mapDelivery(row: Row): WebhookDeliveryRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    endpointId: String(row.endpoint_id),
    eventId: String(row.event_id),
    eventType: String(row.event_type),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: readOptionalTime(row.next_attempt_at),
    lastAttemptAt: readOptionalTime(row.last_attempt_at),
    lastStatusCode: row.last_status_code === null || row.last_status_code === undefined ? null : Number(row.last_status_code),
    lastError: readOptionalText(row.last_error),
    createdAt: readTime(row.created_at),
    deliveredAt: readOptionalTime(row.delivered_at),
  };
}

function mapAttempt(row: Row): WebhookAttemptRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    endpointId: String(row.endpoint_id),
    deliveryId: String(row.delivery_id),
    attempt: Number(row.attempt),
    trigger: row.triggered_by as WebhookAttemptRecord['trigger'],
    startedAt: readTime(row.started_at),
    durationMs: Number(row.duration_ms),
    statusCode: row.status_code === null || row.status_code === undefined ? null : Number(row.status_code),
    error: readOptionalText(row.error),
    responseBody: readOptionalText(row.response_body),
  };
}

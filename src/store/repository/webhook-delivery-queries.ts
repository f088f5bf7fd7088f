import type { Instant } from '../../domain/types.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import type { DeliveryStatus, EndpointShares, WebhookAttemptRecord, WebhookDeliveryRecord } from '../webhook-records.ts';
import { fetchPage } from './pagination.ts';
import { placeholders, type Row } from './row-mapping.ts';
import { WebhookDeliveryClaim } from './webhook-delivery-claim.ts';
import { mapAttempt, mapDelivery } from './webhook-delivery-rows.ts';

export class WebhookDeliveryQueries {
  private readonly claim: WebhookDeliveryClaim;

  constructor(
    private readonly executor: SqlExecutor,
    capabilities: StoreCapabilities,
  ) {
    this.claim = new WebhookDeliveryClaim(executor, capabilities);
  }

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
   * Claims deliveries due by `now`, oldest due first, leased until `leaseUntil`; with `shares`, no more of an
   * endpoint's than it has room for (`WebhookDeliveryClaim.claimDue`, webhook-delivery-claim.ts).
   */
  claimDue(input: { now: Instant; leaseUntil: Instant; limit: number; shares?: EndpointShares }): Promise<WebhookDeliveryRecord[]> {
    return this.claim.claimDue(input);
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

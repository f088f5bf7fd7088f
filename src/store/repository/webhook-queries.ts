import type { Instant } from '../../domain/types.ts';
import type { EventRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { fetchPage } from './pagination.ts';
import { jsonColumn, placeholders, readJson, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export interface WebhookEndpointRecord {
  id: string;
  environmentId: string;
  url: string;
  /** Event types it receives; `*` means all. */
  eventTypes: string[];
  /**
   * `whsec_…`: signs every delivery (Standard Webhooks). Shown once, when created
   * or rotated. Stored as the app's secret box sealed it (encrypted with ENCRYPTION_KEY).
   */
  secret: string;
  /** The secret before the last rotation (sealed likewise): deliveries are signed with it too until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: Instant | null;
  description: string | null;
  createdAt: Instant;
  deletedAt: Instant | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'canceled';

/** One event for one endpoint. Times are on the real clock: they schedule real network calls. */
export interface WebhookDeliveryRecord {
  id: string;
  environmentId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Instant | null;
  lastAttemptAt: Instant | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Instant;
  deliveredAt: Instant | null;
}

/** One HTTP attempt of a delivery: the endpoint's delivery log. */
export interface WebhookAttemptRecord {
  id: string;
  environmentId: string;
  endpointId: string;
  deliveryId: string;
  attempt: number;
  trigger: 'automatic' | 'manual';
  startedAt: Instant;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

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

/** The outbox side of the events table: which events still need their deliveries made. */
export class OutboxQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /** Events not fanned out yet, oldest first; with SKIP LOCKED, nodes take disjoint ones. */
  async claimUnfanned(limit: number): Promise<EventRecord[]> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(`SELECT * FROM events WHERE fanned_out = 0 ORDER BY id LIMIT ?${skipLocked}`, [limit]);
    return rows.map(mapEvent);
  }

  async markFannedOut(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.executor.run(`UPDATE events SET fanned_out = 1 WHERE id IN (${placeholders(eventIds.length)})`, eventIds);
  }

  async get(id: string): Promise<EventRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM events WHERE id = ?', [id]);
    return row && mapEvent(row);
  }
}

function mapEvent(row: Row): EventRecord {
  return { id: String(row.id), environmentId: String(row.environment_id), type: String(row.type), data: readJson(row.data), createdAt: readTime(row.created_at) };
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

import type { DeliveryStatus, WebhookAttemptRecord, WebhookDeliveryRecord } from '../webhook-records.ts';
import { readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

/** A `webhook_deliveries` row as a record: read by the claim (webhook-delivery-claim.ts) and the other queries alike. */
export function mapDelivery(row: Row): WebhookDeliveryRecord {
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

/** A `webhook_attempts` row as a record. */
export function mapAttempt(row: Row): WebhookAttemptRecord {
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

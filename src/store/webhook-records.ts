import type { Instant } from '../domain/types.ts';

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

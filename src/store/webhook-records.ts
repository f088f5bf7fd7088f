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

/**
 * How a claim keeps to one node's share of its send slots per endpoint (the
 * webhooks' `SendSlots`): it claims no more deliveries of an endpoint than it has
 * room for, and counts each delivery it claims.
 */
export interface EndpointShares {
  /** How many more sends the endpoint may have now: 0 when it holds its whole share. */
  room(endpointId: string): number;
  /** Counts one more send to the endpoint if it may have one; false (and nothing counted) otherwise. */
  admit(endpointId: string): boolean;
  /** Takes back one send `admit` counted, for a delivery the claim did not get after all (another node holds it). */
  release(endpointId: string): void;
}

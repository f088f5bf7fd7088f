import type { WebhookDeliveryRecord } from '../store/webhook-records.ts';

export interface AttemptResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * The port through which the app reaches webhook delivery (implemented by
 * `webhooks/webhook-delivery-service.ts`, built by the composition root), so
 * that `app/` never imports `webhooks/`.
 */
export interface WebhookDelivery {
  /** A new endpoint's signing secret. */
  newSecret(): string;
  /**
   * Why webhooks may not go to this URL whatever DNS says (it names an internal
   * address or `localhost`, and WEBHOOK_ALLOWED_HOSTS does not allow it), or null.
   */
  urlRefusal(url: URL): string | null;
  /** How long a delivery is leased for one attempt, so no other node sends it meanwhile. */
  readonly leaseMs: number;
  /** Sends one delivery the caller has leased and logs the attempt. */
  attempt(delivery: WebhookDeliveryRecord, trigger: 'automatic' | 'manual'): Promise<AttemptResult>;
  /** Turns new outbox events into deliveries; returns how many events it fanned out. */
  fanOut(): Promise<number>;
  /** Claims and sends one batch of due deliveries; returns how many it claimed. */
  deliverDue(): Promise<number>;
}

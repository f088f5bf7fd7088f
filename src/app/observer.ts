/** One webhook delivery attempt, as operators count and log it. */
export interface WebhookAttemptObservation {
  environmentId: string;
  endpointId: string;
  deliveryId: string;
  eventId: string;
  attempt: number;
  trigger: 'automatic' | 'manual';
  /** delivered; retrying (failed, another attempt is scheduled); failed (the last attempt failed). */
  outcome: 'delivered' | 'retrying' | 'failed';
  statusCode: number | null;
  error: string | null;
  seconds: number;
}

/**
 * What a running node reports for operators (metrics, logs), implemented at the
 * composition root (`edge/metrics.ts`); the app and background work only call it.
 * Tests and CLI commands use `silentObserver`.
 */
export interface Observer {
  webhookAttempt(observation: WebhookAttemptObservation): void;
  /** Wallets whose due time events (expiries, resets, recurring grants) one sweep booked. */
  sweepBooked(wallets: number): void;
}

export const silentObserver: Observer = {
  webhookAttempt: () => {},
  sweepBooked: () => {},
};

/** How webhook deliveries are retried and sent; read from the environment by `cli/configuration.ts` (see README, "Webhooks"). */
export interface DeliverySettings {
  /** Delay after the first failed attempt; each further failure doubles it. */
  retryBaseMs: number;
  /** The longest delay between attempts. */
  retryMaxMs: number;
  /** After this many failed attempts a delivery is `failed` (a manual resend can still send it). */
  maxAttempts: number;
  /** How long one HTTP attempt may take. */
  timeoutMs: number;
  /** Requests in flight at once per node. */
  concurrency: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  retryBaseMs: 10_000,
  retryMaxMs: 6 * 60 * 60_000,
  maxAttempts: 15,
  timeoutMs: 10_000,
  concurrency: 16,
};

/**
 * Exponential backoff: after failed attempt n (1-based) the next one is due in
 * base × 2^(n−1), capped at max, with up to 10% jitter taken off so that
 * deliveries that failed together do not retry in lockstep.
 */
export function retryDelay(settings: DeliverySettings, failedAttempts: number, random: () => number = Math.random): number {
  const delay = Math.min(settings.retryBaseMs * 2 ** Math.max(0, failedAttempts - 1), settings.retryMaxMs);
  return Math.round(delay * (1 - 0.1 * random()));
}

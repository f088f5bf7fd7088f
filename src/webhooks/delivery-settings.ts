/** How webhook deliveries are retried and sent; from the environment (see README, "Webhooks"). */
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

export function deliverySettingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): DeliverySettings {
  const read = (name: string, fallback: number) => {
    const value = environment[name];
    if (value === undefined || value === '') return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a positive integer, not '${value}'.`);
    return number;
  };
  return {
    retryBaseMs: read('WEBHOOK_RETRY_BASE_MS', DEFAULT_DELIVERY_SETTINGS.retryBaseMs),
    retryMaxMs: read('WEBHOOK_RETRY_MAX_MS', DEFAULT_DELIVERY_SETTINGS.retryMaxMs),
    maxAttempts: read('WEBHOOK_MAX_ATTEMPTS', DEFAULT_DELIVERY_SETTINGS.maxAttempts),
    timeoutMs: read('WEBHOOK_TIMEOUT_MS', DEFAULT_DELIVERY_SETTINGS.timeoutMs),
    concurrency: DEFAULT_DELIVERY_SETTINGS.concurrency,
  };
}

/**
 * Exponential backoff: after failed attempt n (1-based) the next one is due in
 * base × 2^(n−1), capped at max, with up to 10% jitter taken off so that
 * deliveries that failed together do not retry in lockstep.
 */
export function retryDelay(settings: DeliverySettings, failedAttempts: number, random: () => number = Math.random): number {
  const delay = Math.min(settings.retryBaseMs * 2 ** Math.max(0, failedAttempts - 1), settings.retryMaxMs);
  return Math.round(delay * (1 - 0.1 * random()));
}

const configured = new WeakMap<object, DeliverySettings>();

/** Sets the delivery settings of a running app (serve, tests); otherwise they come from the environment. */
export function configureDeliveries(dependencies: object, settings: Partial<DeliverySettings> = {}): DeliverySettings {
  const resolved = { ...deliverySettingsFromEnvironment(), ...settings };
  configured.set(dependencies, resolved);
  return resolved;
}

export function deliverySettingsOf(dependencies: object): DeliverySettings {
  return configured.get(dependencies) ?? configureDeliveries(dependencies);
}

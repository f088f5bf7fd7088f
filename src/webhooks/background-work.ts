import { runAutoTopUps } from '../app/auto-top-up-runs.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import { expireDuePurchases } from '../app/purchases-expiry.ts';
import { configurePayments } from '../payments/payments.ts';
import { configureDeliveries, type DeliverySettings } from './delivery-settings.ts';
import { deliverDueWebhooks } from './dispatcher.ts';
import { fanOutEvents } from './fan-out.ts';

export const BACKGROUND_INTERVAL_MS = 1000;

export interface BackgroundWork {
  /** Stops the loops and waits for passes in flight. */
  stop(): Promise<void>;
}

/**
 * The background loops of payments and webhooks, run by every `serve` node (as
 * the expiry sweep is): expiring unpaid purchases, running requested auto
 * top-ups, and fanning the outbox out into deliveries and sending them. Each
 * loop skips a tick while its previous pass is still running; every pass claims
 * its work under SKIP LOCKED with a lease, so nodes share it without doing
 * anything twice.
 */
export function startBackgroundWork(
  dependencies: AppDependencies,
  options: { deliveries: DeliverySettings; intervalMs?: number; log: (error: unknown, what: string) => void },
): BackgroundWork {
  const intervalMs = options.intervalMs ?? BACKGROUND_INTERVAL_MS;
  const loops = [
    loop(intervalMs, 'purchase expiry', () => expireDuePurchases(dependencies, { onError: (error, id) => options.log(error, `expiring purchase ${id}`) }), options.log),
    loop(intervalMs, 'auto top-up', () => runAutoTopUps(dependencies, { onError: (error, id) => options.log(error, `auto top-up ${id}`) }), options.log),
    loop(
      intervalMs,
      'webhook delivery',
      async () => {
        await fanOutEvents(dependencies);
        // Keep sending while whole batches come back, so a backlog drains within a tick.
        while ((await deliverDueWebhooks(dependencies, options.deliveries)) === 100);
      },
      options.log,
    ),
  ];
  return { stop: async () => void (await Promise.all(loops.map((running) => running.stop()))) };
}

function loop(intervalMs: number, what: string, pass: () => Promise<unknown>, log: (error: unknown, what: string) => void): BackgroundWork {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .then(() => undefined, (error: unknown) => log(error, what))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * What `serve` calls once it listens: payment settings from the environment (the
 * hosted checkout is served at PUBLIC_URL, or at the address it listens on),
 * webhook delivery settings, and the loops (BACKGROUND_INTERVAL_MS, default 1 s).
 */
export function startPaymentsAndWebhooks(dependencies: AppDependencies, options: { address: string; log: (error: unknown, what: string) => void }): BackgroundWork {
  configurePayments(dependencies, process.env.PUBLIC_URL ? {} : { publicUrl: options.address });
  const interval = process.env.BACKGROUND_INTERVAL_MS;
  return startBackgroundWork(dependencies, {
    deliveries: configureDeliveries(dependencies),
    ...(interval ? { intervalMs: Number(interval) } : {}),
    log: options.log,
  });
}

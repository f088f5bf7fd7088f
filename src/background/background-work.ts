import { runAutoTopUps } from '../app/auto-top-up-runs.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import { purgeExpiredIdempotencyKeys } from '../app/idempotency.ts';
import { expireDuePurchases } from '../app/purchases-expiry.ts';
import { settlePendingRefunds } from '../app/refunds.ts';
import { sweepDueEvents } from '../app/time-events.ts';

/** How often each node looks for due expiries; booking is exact-timed however late it runs. */
export const SWEEP_INTERVAL_MS = 1000;

export interface BackgroundWork {
  /** Stops the loops and waits for passes in flight. */
  stop(): Promise<void>;
}

type Log = (error: unknown, what: string) => void;

/**
 * The loops every `serve` node runs: booking due time events (expiries, resets,
 * recurring grants) with a purge of old idempotency keys once a minute,
 * expiring unpaid purchases, settling refunds left pending, running requested auto top-ups, and fanning the
 * outbox out into webhook deliveries and sending them. Each loop skips a tick
 * while its previous pass is still running; every pass claims its work under
 * SKIP LOCKED (or a wallet lock) with a lease, so nodes share it without doing
 * anything twice.
 */
export function startBackgroundWork(dependencies: AppDependencies, options: { intervalMs: number; log: Log }): BackgroundWork {
  const { intervalMs, log } = options;
  let sweeps = 0;
  const loops = [
    loop(
      SWEEP_INTERVAL_MS,
      'expiry sweep',
      () => {
        sweeps += 1;
        // Idempotency keys other than grant keys are kept 24 hours; purge once a minute.
        return Promise.all([
          sweeps % 60 === 0 ? purgeExpiredIdempotencyKeys(dependencies) : 0,
          sweepDueEvents(dependencies).then((booked) => dependencies.observer.sweepBooked(booked)),
        ]);
      },
      log,
    ),
    loop(intervalMs, 'purchase expiry', () => expireDuePurchases(dependencies, { onError: (error, id) => log(error, `expiring purchase ${id}`) }), log),
    loop(intervalMs, 'pending refunds', () => settlePendingRefunds(dependencies, { onError: (error, id) => log(error, `refund ${id}`) }), log),
    loop(intervalMs, 'auto top-up', () => runAutoTopUps(dependencies, { onError: (error, id) => log(error, `auto top-up ${id}`) }), log),
    loop(
      intervalMs,
      'webhook delivery',
      async () => {
        await dependencies.webhooks.fanOut();
        // Keep sending while whole batches come back, so a backlog drains within a tick.
        while ((await dependencies.webhooks.deliverDue()) === 100);
      },
      log,
    ),
  ];
  return { stop: async () => void (await Promise.all(loops.map((running) => running.stop()))) };
}

function loop(intervalMs: number, what: string, pass: () => Promise<unknown>, log: Log): BackgroundWork {
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

import { runAutoTopUps } from '../app/auto-top-up-runs.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import { purgeExpiredIdempotencyKeys } from '../app/idempotency.ts';
import { expireDuePurchases } from '../app/purchases-expiry.ts';
import { settlePendingRefunds } from '../app/refunds.ts';
import { sweepDueEvents } from '../app/time-events.ts';

/** How often each node looks for due expiries; booking is exact-timed however late it runs. */
export const SWEEP_INTERVAL_MS = 1000;

export interface BackgroundWork {
  /** Stops the loops and waits for passes and webhook sends in flight (each send ends by its timeout). */
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
 * anything twice. Webhook sends run beside the fan-out passes, bounded by the
 * node's send slots, so one slow receiver delays only its own deliveries.
 */
export function startBackgroundWork(dependencies: AppDependencies, options: { intervalMs: number; log: Log }): BackgroundWork {
  const { intervalMs, log } = options;
  let sweeps = 0;
  const sends = webhookSends(dependencies, log);
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
      'webhook fan-out',
      async () => {
        try {
          await dependencies.webhooks.fanOut();
        } finally {
          // Sends are not part of the pass: a slow receiver never holds up the next fan-out or the next claim.
          sends.start();
        }
      },
      log,
    ),
  ];
  return {
    stop: async () => {
      await Promise.all(loops.map((running) => running.stop()));
      await sends.stop();
    },
  };
}

/**
 * Webhook sending, apart from the passes: `start` begins a run that claims due
 * deliveries into the node's free send slots and sends them (`deliverDue`), and
 * claims again as soon as that batch is recorded, for as long as batches find any
 * (so a backlog drains without waiting for ticks). Runs overlap, one started per
 * tick, so a run waiting on a slow receiver only holds the slots of its own batch;
 * the slots (the delivery settings' concurrency) bound the sends in flight, and a
 * run that finds none free ends at once. `stop` lets no run claim again and waits
 * for the sends in flight, each bounded by the delivery timeout.
 */
function webhookSends(dependencies: AppDependencies, log: Log): { start(): void; stop(): Promise<void> } {
  const runs = new Set<Promise<void>>();
  let stopping = false;
  return {
    start: () => {
      if (stopping) return;
      const run: Promise<void> = (async () => {
        while (!stopping && (await dependencies.webhooks.deliverDue()) > 0);
      })()
        .catch((error: unknown) => log(error, 'webhook delivery'))
        .finally(() => runs.delete(run));
      runs.add(run);
    },
    stop: async () => {
      stopping = true;
      await Promise.all([...runs]);
    },
  };
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

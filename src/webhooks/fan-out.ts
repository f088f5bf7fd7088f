import type { DeliveryDependencies } from './dispatcher.ts';
import type { WebhookEndpointRecord } from '../store/webhook-records.ts';

/** Whether an endpoint subscribed to an event type: `*`, the exact type, or a family such as `purchase.*`. */
export function subscribes(endpoint: Pick<WebhookEndpointRecord, 'eventTypes'>, type: string): boolean {
  return endpoint.eventTypes.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}

/**
 * Turns outbox rows into deliveries: for each event not yet fanned out, one
 * pending delivery per subscribed endpoint of its environment, and the event is
 * marked fanned out, all in one transaction. Events are claimed with SKIP
 * LOCKED, so nodes share the work; the marker makes it exactly once whatever
 * order the events' own transactions committed in (no cursor to skip past a
 * late commit). An endpoint receives the events fanned out after it was created.
 * Returns how many events it fanned out.
 */
export async function fanOutEvents(dependencies: DeliveryDependencies, options: { limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? 500;
  let total = 0;
  for (;;) {
    const count = await dependencies.store.transaction(async (repository) => {
      const events = await repository.outbox.claimUnfanned(limit);
      if (events.length === 0) return 0;
      const endpoints = await repository.webhookEndpoints.listActive([...new Set(events.map((event) => event.environmentId))]);
      const now = dependencies.clock.now();
      for (const event of events) {
        for (const endpoint of endpoints) {
          if (endpoint.environmentId !== event.environmentId || !subscribes(endpoint, event.type)) continue;
          await repository.webhookDeliveries.insert({
            id: dependencies.newId('whd'),
            environmentId: event.environmentId,
            endpointId: endpoint.id,
            eventId: event.id,
            eventType: event.type,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            lastAttemptAt: null,
            lastStatusCode: null,
            lastError: null,
            createdAt: now,
            deliveredAt: null,
          });
        }
      }
      await repository.outbox.markFannedOut(events.map((event) => event.id));
      return events.length;
    });
    total += count;
    if (count < limit) return total;
  }
}

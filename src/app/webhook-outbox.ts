import type { Instant } from '../domain/types.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';
import type { EventType } from './event-types.ts';

export interface OutboxEvent {
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * Writes events into the outbox (the events table). Callers pass the repository
 * of the transaction that makes the change, so an event exists exactly when its
 * change does; webhook deliveries are made from these rows (webhooks/fan-out.ts).
 */
export async function appendEvents(
  dependencies: AppDependencies,
  repository: Repository,
  input: { environmentId: string; at: Instant; events: readonly OutboxEvent[] },
): Promise<void> {
  if (input.events.length === 0) return;
  await repository.events.insertMany(
    input.events.map((event) => ({ id: dependencies.newId('evt'), environmentId: input.environmentId, type: event.type, data: event.data, createdAt: input.at })),
  );
}

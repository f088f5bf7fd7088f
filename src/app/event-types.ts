import { validationError } from '../domain/errors.ts';
import type { DomainEvent } from '../domain/types.ts';

/**
 * Every event type Creditbook writes to the outbox. `OutboxEvent.type` is typed
 * by this list, so a new event cannot be written without being listed here, and
 * webhook endpoints and `GET /v1/events?type=` accept exactly these and their families.
 */
export const EVENT_TYPES = [
  'grant.created',
  'grant.updated',
  'grant.voided',
  'grant.expired',
  'grant_schedule.created',
  'grant_schedule.cancelled',
  'debit.created',
  'hold.created',
  'hold.captured',
  'hold.released',
  'hold.expired',
  'balance.low',
  'balance.depleted',
  'balance.recovered',
  'purchase.created',
  'purchase.paid',
  'purchase.expired',
  'purchase.canceled',
  'purchase.failed',
  'purchase.refunded',
  'invoice.paid',
  'invoice.paid.v0',
  'invoice.voided',
  'auto_top_up.requested',
  'auto_top_up.processing',
  'auto_top_up.succeeded',
  'auto_top_up.declined',
  'auto_top_up.skipped',
  'usage.uncovered',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** `*`, a family (`debit.*`: every type starting `debit.`), or one type. */
export function eventTypesMatching(pattern: string): EventType[] {
  if (pattern === '*') return [...EVENT_TYPES];
  if (pattern.endsWith('.*')) return EVENT_TYPES.filter((type) => type.startsWith(pattern.slice(0, -1)));
  return EVENT_TYPES.filter((type) => type === pattern);
}

/** Refuses a pattern that matches no event type, naming the families and types there are. */
export function requireEventTypePattern(pattern: string, param: string): EventType[] {
  const matching = eventTypesMatching(pattern);
  if (matching.length === 0) {
    const families = [...new Set(EVENT_TYPES.map((type) => `${type.slice(0, type.indexOf('.'))}.*`))];
    throw validationError(
      param,
      `'${pattern}' is not an event type or family. Use '*', a family (${families.join(', ')}) or a type (${EVENT_TYPES.join(', ')}).`,
    );
  }
  return matching;
}

// Every event the engine emits is listed above (a compile error otherwise).
type UnlistedDomainEvents = Exclude<DomainEvent['type'], EventType>;
export const DOMAIN_EVENTS_LISTED: [UnlistedDomainEvents] extends [never] ? true : never = true;

import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import type { EventFilters } from '../store/repository/event-queries.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { listCustomerEvents } from './customer-events.ts';
import { requireEventTypePattern } from './event-types.ts';

/**
 * The environment's events (the outbox webhooks are made from), newest first, by
 * customer and by what a webhook endpoint subscribes with: a type, a family
 * (`debit.*`) or `*`. A type or family that does not exist is a 400 naming those that do.
 */
export function listEvents(dependencies: AppDependencies, context: RequestContext, filters: EventFilters, page: PageRequest): Promise<Page<EventRecord>> {
  if (filters.type !== undefined && filters.type !== '*') requireEventTypePattern(filters.type, 'type');
  const { type, ...rest } = filters;
  const checked: EventFilters = type === undefined || type === '*' ? rest : Object.assign({}, rest, { type });
  const { customerId } = checked;
  if (customerId !== undefined) return listCustomerEvents(dependencies, context.environment.id, Object.assign({}, checked, { customerId }), page);
  return dependencies.store.read((repository) => repository.events.list(context.environment.id, checked, page));
}

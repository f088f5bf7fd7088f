import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import type { EventFilters } from '../store/repository/event-queries.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { listCustomerEvents } from './customer-events.ts';
import { requireEventTypePattern } from './event-types.ts';
import { pageInIdWindows } from './list-windows.ts';

/**
 * The environment's events (the outbox webhooks are made from), newest first, by
 * customer and by what a webhook endpoint subscribes with: a type, a family
 * (`debit.*`) or `*`. A type or family that does not exist is a 400 naming those that do.
 */
export async function listEvents(dependencies: AppDependencies, context: RequestContext, filters: EventFilters, page: PageRequest, options: { windowRows?: number } = {}): Promise<Page<EventRecord>> {
  if (filters.type !== undefined && filters.type !== '*') requireEventTypePattern(filters.type, 'type');
  const { type, ...rest } = filters;
  const checked: EventFilters = type === undefined || type === '*' ? rest : Object.assign({}, rest, { type });
  const { customerId } = checked;
  const environmentId = context.environment.id;
  if (customerId !== undefined) return listCustomerEvents(dependencies, environmentId, Object.assign({}, checked, { customerId }), page);
  // Any other list, by type or not, in windows of the primary key a turn apart (list-windows.ts): no index serves a
  // type, and the key is every environment's (an index by environment would cost every debit's event a write).
  return pageInIdWindows(
    dependencies,
    page,
    (repository, id) => repository.events.has(environmentId, id),
    (repository, input) => repository.events.listWindow(environmentId, checked, input),
    options,
  );
}

import { validationError } from '../domain/errors.ts';
import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import type { EventFilters } from '../store/repository/event-queries.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { listCustomerEvents } from './customer-events.ts';
import { requireEventTypePattern } from './event-types.ts';
import { pageInWindows } from './list-windows.ts';

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
  if (checked.type === undefined) return dependencies.store.read((repository) => repository.events.list(environmentId, checked, page));
  // No index serves a type: the primary key in windows a turn apart (list-windows.ts).
  const cursor = page.startingAfter;
  if (cursor !== null && !(await dependencies.store.read((repository) => repository.events.has(environmentId, cursor)))) {
    throw validationError('startingAfter', `No object with id '${cursor}' to start after.`);
  }
  return pageInWindows(dependencies, cursor, page, (repository, input) => repository.events.listWindow(environmentId, checked, input), options);
}

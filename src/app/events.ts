import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import type { EventFilters } from '../store/repository/ledger-queries.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';

/** The environment's events (the outbox webhooks are made from), newest first, by exact type or family (`balance.*`) and by customer. */
export function listEvents(dependencies: AppDependencies, context: RequestContext, filters: EventFilters, page: PageRequest): Promise<Page<EventRecord>> {
  return dependencies.store.read((repository) => repository.events.list(context.environment.id, filters, page));
}

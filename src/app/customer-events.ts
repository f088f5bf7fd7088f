import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import type { EventFilters } from '../store/repository/event-queries.ts';
import type { Repository } from '../store/repository/repository.ts';

/** Whether a type filter (an exact type, a family such as `debit.*`, or none) admits `debit.created`. */
function admitsDebitCreated(type: string | undefined): boolean {
  if (type === undefined) return true;
  return type.endsWith('.*') ? 'debit.created'.startsWith(type.slice(0, -1)) : type === 'debit.created';
}

const newestFirst = (left: EventRecord, right: EventRecord): number => (left.id < right.id ? 1 : left.id > right.id ? -1 : 0);

/**
 * A customer's events, newest first: the ones `events_customer` indexes, merged with the `debit.created` events
 * found through the customer's debits (debitCreatedEventId). The two sets are disjoint: an event found through
 * its debit is written without a customer.
 *
 * Bounded: when the index gives a full page and one more, only debit events newer than that page's last can
 * be on the page, so the walk through debits stops there. It reads only debits: those that have no such event
 * (captures, debits from before the rule) each sit near an event of theirs in the index, so few are passed over.
 */
export async function listCustomerEvents(
  repository: Repository,
  environmentId: string,
  filters: EventFilters & { customerId: string },
  page: PageRequest,
): Promise<Page<EventRecord>> {
  const indexed = (await repository.events.list(environmentId, filters, { limit: page.limit + 1, startingAfter: page.startingAfter })).data;
  const throughDebits = admitsDebitCreated(filters.type)
    ? await repository.events.listDebitEventsOfCustomer(environmentId, filters.customerId, {
        before: page.startingAfter,
        // With more than a page from the index, the page ends at or above its `limit`-th event.
        after: indexed.length > page.limit ? indexed[page.limit - 1]!.id : null,
        limit: page.limit + 1,
      })
    : [];
  const merged = indexed.concat(throughDebits).sort(newestFirst);
  return { data: merged.slice(0, page.limit), hasMore: merged.length > page.limit };
}

import type { EventRecord, Page, PageRequest } from '../store/records.ts';
import { suffixOf, type EventFilters } from '../store/repository/event-queries.ts';
import { customerDebitIds } from './customer-debits.ts';
import type { AppDependencies } from './dependencies.ts';

/** Whether a type filter (an exact type, a family such as `debit.*`, or none) admits `debit.created`. */
function admitsDebitCreated(type: string | undefined): boolean {
  if (type === undefined) return true;
  return type.endsWith('.*') ? 'debit.created'.startsWith(type.slice(0, -1)) : type === 'debit.created';
}

const newestFirst = (left: EventRecord, right: EventRecord): number => (left.id < right.id ? 1 : left.id > right.id ? -1 : 0);

/** Debit IDs looked up per read of their events. */
const DEBITS_PER_READ = 100;

/**
 * A customer's events, newest first: the ones `events_customer` indexes, merged with the `debit.created` events
 * found through the customer's debits (debitCreatedEventId), which are walked through its wallets
 * (customer-debits.ts). The two sets are disjoint: an event found through its debit is written without a customer.
 *
 * Bounded: when the index gives a full page and one more, only debit events newer than that page's last can
 * be on the page, so the walk through debits stops there. It reads only debits: those that have no such event
 * (captures, debits from before the rule) each sit near an event of theirs in the index, so few are passed over.
 */
export async function listCustomerEvents(
  dependencies: AppDependencies,
  environmentId: string,
  filters: EventFilters & { customerId: string },
  page: PageRequest,
): Promise<Page<EventRecord>> {
  const indexed = (await dependencies.store.read((repository) => repository.events.list(environmentId, filters, { limit: page.limit + 1, startingAfter: page.startingAfter }))).data;
  // With more than a page from the index, the page ends at or above its `limit`-th event.
  const floor = indexed.length > page.limit ? indexed[page.limit - 1]!.id : null;
  const throughDebits = admitsDebitCreated(filters.type) ? await debitEventsOfCustomer(dependencies, environmentId, filters.customerId, page.startingAfter, floor, page.limit + 1) : [];
  const merged = indexed.concat(throughDebits).sort(newestFirst);
  return { data: merged.slice(0, page.limit), hasMore: merged.length > page.limit };
}

/** The customer's debit events with IDs below `ceiling` and above `floor` (event IDs, either null), newest first, at most `limit`. */
async function debitEventsOfCustomer(dependencies: AppDependencies, environmentId: string, customerId: string, ceiling: string | null, floor: string | null, limit: number): Promise<EventRecord[]> {
  // Bounds on event IDs are bounds on debit IDs: `dbt_` and the same suffix.
  const asDebitId = (eventId: string | null) => (eventId === null ? null : `dbt_${suffixOf(eventId)}`);
  const walk = { environmentId, customerId, after: asDebitId(ceiling), before: asDebitId(floor), descending: true };
  const events: EventRecord[] = [];
  let pending: string[] = [];
  const fetchPending = async () => {
    const debitIds = pending;
    pending = [];
    events.push(...(await dependencies.store.read((repository) => repository.events.ofDebits(environmentId, debitIds))));
  };
  for await (const debitId of customerDebitIds(dependencies, walk)) {
    pending.push(debitId);
    if (pending.length < Math.min(DEBITS_PER_READ, limit - events.length)) continue;
    await fetchPending();
    if (events.length >= limit) break;
  }
  if (pending.length > 0 && events.length < limit) await fetchPending();
  return events.slice(0, limit);
}

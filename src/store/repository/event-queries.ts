import type { EventRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { allFilters, equalityFilters, fetchPage, idWindow, prefixFilter } from './pagination.ts';
import { jsonColumn, placeholders, readJson, readTime, type Row } from './row-mapping.ts';

/** The outbox side of the events table: which events still need their deliveries made. */
export class OutboxQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /** Events not fanned out yet, oldest first; with SKIP LOCKED, nodes take disjoint ones. */
  async claimUnfanned(limit: number): Promise<EventRecord[]> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(`SELECT * FROM events WHERE fanned_out = 0 ORDER BY id LIMIT ?${skipLocked}`, [limit]);
    return rows.map(mapEvent);
  }

  async markFannedOut(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.executor.run(`UPDATE events SET fanned_out = 1 WHERE id IN (${placeholders(eventIds.length)})`, eventIds);
  }

  async get(id: string): Promise<EventRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM events WHERE id = ?', [id]);
    return row && mapEvent(row);
  }
}

function mapEvent(row: Row): EventRecord {
  return { id: String(row.id), environmentId: String(row.environment_id), type: String(row.type), data: eventData(row.data), createdAt: readTime(row.created_at) };
}

/**
 * An event's data as it is written now. Earlier versions wrote the grant, schedule, debit, hold and usage events
 * with the default wallet's key spelled '', where every other family, and the API's objects, spell it null: such a
 * stored event is read as null, so GET /v1/events and a webhook (a resend too) show one spelling. Read, not
 * rewritten: a migration would rewrite the JSON of nearly every event (one per debit) on upgrade, on every store,
 * and the row stays what was delivered at the time.
 */
function eventData(text: unknown): Record<string, unknown> {
  const data = readJson<Record<string, unknown>>(text);
  if (data.walletKey === '') data.walletKey = null;
  return data;
}

export interface EventFilters {
  /** An exact type, or a family such as `balance.*` (every type that starts with `balance.`). */
  type?: string;
  customerId?: string;
}

/**
 * An event written while its environment has no webhook endpoint is fanned out as it is written: there is no
 * delivery to make, and the fan-out need not come back to rewrite it. Where the store merges plain INSERTs
 * (PostgreSQL), the event is written plainly and the fan-out marks it, as it does every event on either store
 * while an endpoint exists.
 */
const INSERT_EVENT = 'INSERT INTO events (id, environment_id, type, customer_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_EVENT_FANNED_OUT_WITHOUT_ENDPOINT =
  'INSERT INTO events (id, environment_id, type, customer_id, data, created_at, fanned_out) VALUES (?, ?, ?, ?, ?, ?, ' +
  'CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE environment_id = ? AND deleted_at IS NULL) THEN 0 ELSE 1 END)';

/**
 * A `debit.created` event's ID: its debit's, with the `evt_` prefix (both are `<prefix>_` and a 26-character,
 * time-sortable suffix, so the two orders agree). Such an event is found through its debit: it is written
 * without `customer_id`, so it adds no entry to `events_customer` (keyed by a random customer, that entry cost a
 * debit a page of its own), and a customer's events are that index merged with the debit events of the
 * customer's debits (src/app/customer-events.ts).
 */
export function debitCreatedEventId(debitId: string): string {
  return `evt_${suffixOf(debitId)}`;
}

/** What follows an ID's prefix (`dbt_`, `evt_`). */
export function suffixOf(id: string): string {
  return id.slice(id.indexOf('_') + 1);
}

/** Whether `event` is found through its debit (see debitCreatedEventId), so written without `customer_id`. */
function foundThroughDebit(event: EventRecord): boolean {
  const debitId = event.data.debitId;
  return event.type === 'debit.created' && typeof debitId === 'string' && event.id === debitCreatedEventId(debitId);
}

export class EventQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insertMany(events: readonly EventRecord[]): Promise<void> {
    for (const event of events) {
      const customerId = event.data.customerId;
      const indexedCustomerId = typeof customerId === 'string' && !foundThroughDebit(event) ? customerId : null;
      const values = [event.id, event.environmentId, event.type, indexedCustomerId, jsonColumn(event.data), event.createdAt];
      if (this.capabilities.mergesInserts) await this.executor.run(INSERT_EVENT, values);
      else await this.executor.run(INSERT_EVENT_FANNED_OUT_WITHOUT_ENDPOINT, [...values, event.environmentId]);
    }
  }

  /**
   * The `debit.created` events of these debits written under their derived IDs (debitCreatedEventId), in the
   * debits' order; a debit with none (a capture, a debit from before the rule) is passed over. Primary-key lookups,
   * at most a few hundred: one statement.
   */
  async ofDebits(environmentId: string, debitIds: readonly string[]): Promise<EventRecord[]> {
    if (debitIds.length === 0) return [];
    const ids = debitIds.map(debitCreatedEventId);
    const rows = await this.executor.all<Row>(`SELECT * FROM events WHERE id IN (${placeholders(ids.length)})`, ids);
    // What the rule writes under a derived ID (another event would need its 80 random bits to collide).
    const byId = new Map(rows.filter((row) => row.environment_id === environmentId && row.type === 'debit.created' && row.customer_id === null).map((row) => [String(row.id), mapEvent(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  list(environmentId: string, filters: EventFilters, page: PageRequest): Promise<Page<EventRecord>> {
    const { where, params } = eventFilters(filters);
    return fetchPage({
      executor: this.executor,
      table: 'events',
      environmentId,
      where,
      params,
      page,
      map: mapEvent,
    });
  }

  /**
   * One window of the environment's events (`list`'s order), of a type or not (no index serves a type, nor the
   * environment itself): the next `window` IDs of the primary key beyond `after` (an ID, of any environment's event),
   * of which those of the environment (of that type or family), at most `limit` (fetchWindow). app/events.ts reads
   * such windows a turn apart until a page is full. A customer's events are not read here (customer-events.ts).
   */
  listWindow(
    environmentId: string,
    filters: EventFilters,
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: EventRecord[]; reached: string | null }> {
    if (filters.customerId !== undefined) throw new Error("A customer's events are read through events_customer and its debits.");
    return idWindow(this.executor, 'events', allFilters(equalityFilters({ environment_id: environmentId }), eventFilters(filters)), input, mapEvent);
  }

  /** Whether the event `id` is one of the environment's; what a cursor must be. */
  async has(environmentId: string, id: string): Promise<boolean> {
    return (await this.executor.get<Row>('SELECT id FROM events WHERE environment_id = ? AND id = ?', [environmentId, id])) !== undefined;
  }
}

/** `type` (an exact type, or a family such as `balance.*`) and `customer_id` as conditions. */
function eventFilters(filters: EventFilters): { where: string[]; params: unknown[] } {
  const family = filters.type?.endsWith('.*') ? filters.type.slice(0, -1) : undefined;
  return allFilters(equalityFilters({ type: family === undefined ? filters.type : undefined, customer_id: filters.customerId }), prefixFilter('type', family));
}

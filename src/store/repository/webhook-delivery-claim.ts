import type { Instant } from '../../domain/types.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import type { EndpointShares, WebhookDeliveryRecord } from '../webhook-records.ts';
import { placeholders, readTime, type Row } from './row-mapping.ts';
import { mapDelivery } from './webhook-delivery-rows.ts';

/**
 * A claim with shares first reads this many times its limit of the oldest due deliveries; only when
 * endpoints at their room fill them does it look endpoint by endpoint (`claimWithinShares`).
 */
const DUE_WINDOW = 4;

/**
 * The claim of due deliveries: which ones a node sends next, leased so that no other node sends them
 * meanwhile. `WebhookDeliveryQueries.claimDue` is this; it has a file of its own for its size (the claim
 * within endpoints' shares, its window of the due index and its loose index scan of the endpoint index).
 */
export class WebhookDeliveryClaim {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /**
   * Claims deliveries due by `now`, oldest due first, and leases them until
   * `leaseUntil` (their next attempt moves there), so no other node sends them
   * meanwhile. Without `shares`, the `limit` oldest due, whatever their endpoint
   * (one range of `webhook_deliveries_due`, locked with SKIP LOCKED where the store
   * has it). With `shares`, no more of an endpoint's than it has room for
   * (`shares.room`, counted by `admit` as each is claimed), so that a few endpoints
   * with many due deliveries never take a node's every slot, and the next-oldest
   * deliveries of other endpoints are claimed instead (`claimWithinShares`).
   */
  async claimDue(input: { now: Instant; leaseUntil: Instant; limit: number; shares?: EndpointShares }): Promise<WebhookDeliveryRecord[]> {
    if (input.limit <= 0) return [];
    const { shares } = input;
    if (shares) return this.claimWithinShares(Object.assign({}, input, { shares }));
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(
      `SELECT * FROM ${this.indexed('webhook_deliveries_due')} WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?${skipLocked}`,
      [input.now, input.limit],
    );
    for (const row of rows) await this.lease(String(row.id), input.leaseUntil);
    return rows.map(mapDelivery);
  }

  /**
   * The claim with shares. Its work never grows with what an endpoint it skips has due (a
   * receiver that is down may have 100,000 due, all ahead of everyone else's):
   * 1. which deliveries: the `limit` oldest due that the shares admit (each endpoint's oldest
   *    due, up to its room), read from the first due in `webhook_deliveries_due` when those tell
   *    (`admittedInWindow`: `DUE_WINDOW` × `limit` rows at most), otherwise endpoint by endpoint
   *    through `webhook_deliveries_endpoint_due` (`admittedByEndpoint`: three seeks per endpoint
   *    with pending deliveries, and at most `limit` rows of each of about `limit` of them). No row
   *    is locked yet;
   * 2. `admit` counts them, endpoint by endpoint, with no await between a check and its count,
   *    so overlapping passes of a node never exceed a share;
   * 3. those admitted are locked by ID, only if still pending and due, with SKIP LOCKED where the
   *    store has it (one another node holds locked, or has leased since, is not claimed this
   *    pass, and its count is taken back with `release`), and leased.
   * So only the deliveries claimed are locked, and no two nodes claim one delivery at once.
   */
  private async claimWithinShares(input: { now: Instant; leaseUntil: Instant; limit: number; shares: EndpointShares }): Promise<WebhookDeliveryRecord[]> {
    const { now, limit, shares } = input;
    const chosen = (await this.admittedInWindow(now, limit, shares)) ?? (await this.admittedByEndpoint(now, limit, shares));
    const admitted: WebhookDeliveryRecord[] = [];
    const refused = new Set<string>();
    for (const delivery of chosen) {
      // An endpoint refused once (an overlapping pass took its room) is refused for the rest, so it keeps its oldest.
      if (refused.has(delivery.endpointId)) continue;
      if (shares.admit(delivery.endpointId)) admitted.push(delivery);
      else refused.add(delivery.endpointId);
    }
    if (admitted.length === 0) return [];
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const locked = await this.executor.all<Row>(
      `SELECT id FROM webhook_deliveries WHERE id IN (${placeholders(admitted.length)}) AND status = 'pending' AND next_attempt_at <= ?${skipLocked}`,
      [...admitted.map((delivery) => delivery.id), now],
    );
    const got = new Set(locked.map((row) => String(row.id)));
    const claimed: WebhookDeliveryRecord[] = [];
    for (const delivery of admitted) {
      if (!got.has(delivery.id)) {
        shares.release(delivery.endpointId);
        continue;
      }
      await this.lease(delivery.id, input.leaseUntil);
      claimed.push(delivery);
    }
    return claimed;
  }

  /**
   * The `limit` oldest due deliveries the shares admit, in due order, if the first `DUE_WINDOW` ×
   * `limit` due (one range of `webhook_deliveries_due`) tell them: they hold `limit` admitted, or
   * they are all that is due. Otherwise undefined: deliveries of endpoints at their room fill the
   * window (one that is down has all its due deliveries at the front), and what lies behind them
   * is found endpoint by endpoint.
   */
  private async admittedInWindow(now: Instant, limit: number, shares: EndpointShares): Promise<WebhookDeliveryRecord[] | undefined> {
    const window = DUE_WINDOW * limit;
    const rows = await this.executor.all<Row>(
      `SELECT * FROM ${this.indexed('webhook_deliveries_due')} WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      [now, window],
    );
    const taken = new Map<string, number>();
    const admitted: WebhookDeliveryRecord[] = [];
    for (const row of rows) {
      const endpointId = String(row.endpoint_id);
      const count = taken.get(endpointId) ?? 0;
      if (count >= shares.room(endpointId)) continue;
      taken.set(endpointId, count + 1);
      admitted.push(mapDelivery(row));
      if (admitted.length === limit) return admitted;
    }
    return rows.length < window ? admitted : undefined;
  }

  /**
   * The `limit` oldest due deliveries the shares admit, in due order, endpoint by endpoint: every
   * endpoint with pending deliveries and its oldest (`endpointHeads`); then, in the order of those
   * oldest, each endpoint with room whose oldest is due gives up to its room of its oldest due
   * (`firstPending`), until no endpoint left can have one older than the `limit`-th oldest read.
   * Each endpoint read gives at least its oldest, so about `limit` are read; one without room is not.
   */
  private async admittedByEndpoint(now: Instant, limit: number, shares: EndpointShares): Promise<WebhookDeliveryRecord[]> {
    const heads = (await this.endpointHeads()).filter((head) => head.nextAttemptAt <= now).sort(byDueOrder);
    // Kept in due order: each endpoint's part is, and the whole is sorted after each.
    const read: WebhookDeliveryRecord[] = [];
    for (const head of heads) {
      if (read.length >= limit && byDueOrder(read[limit - 1]!, head) < 0) break;
      const room = Math.min(shares.room(head.endpointId), limit);
      if (room <= 0) continue;
      const first = await this.firstPending(head.endpointId, room);
      read.push(...first.filter((delivery) => delivery.endpointId === head.endpointId && delivery.nextAttemptAt !== null && delivery.nextAttemptAt <= now));
      read.sort(byDueOrder);
    }
    return read.slice(0, limit);
  }

  /**
   * Every endpoint with pending deliveries, with its oldest pending one (due or not): a loose
   * index scan of `webhook_deliveries_endpoint_due`. Each step seeks the first entry past the
   * previous endpoint (`endpoint_id > ?`, in the index's whole order), which is the next
   * endpoint's oldest: three seeks per endpoint with pending deliveries (one per column), however
   * many deliveries each has. Only that index gives this order, so PostgreSQL's planner takes it
   * whatever its statistics say (with `endpoint_id = ?` it may take the due index and filter,
   * walking past a full endpoint's deliveries, as it did in a generic plan).
   */
  private async endpointHeads(): Promise<Array<{ endpointId: string; nextAttemptAt: Instant; id: string }>> {
    const next = (column: string) =>
      `(SELECT ${column} FROM ${this.indexed('webhook_deliveries_endpoint_due')} WHERE status = 'pending' AND endpoint_id > heads.endpoint_id ORDER BY endpoint_id, next_attempt_at, id LIMIT 1)`;
    const rows = await this.executor.all<Row>(
      `WITH RECURSIVE heads (endpoint_id, next_attempt_at, id) AS (
         SELECT CAST('' AS TEXT), CAST(0 AS BIGINT), CAST('' AS TEXT)
         UNION ALL
         SELECT ${next('endpoint_id')}, ${next('next_attempt_at')}, ${next('id')} FROM heads WHERE heads.endpoint_id IS NOT NULL
       )
       SELECT endpoint_id, next_attempt_at, id FROM heads WHERE endpoint_id IS NOT NULL AND endpoint_id <> ''`,
    );
    return rows.map((row) => ({ endpointId: String(row.endpoint_id), nextAttemptAt: readTime(row.next_attempt_at), id: String(row.id) }));
  }

  /**
   * The first `limit` entries of `webhook_deliveries_endpoint_due` from the endpoint's oldest on:
   * its oldest pending deliveries, then (if it has fewer) the next endpoints'; the caller keeps the
   * endpoint's due ones. `limit` rows at most, read along the index from one seek, as the range
   * on `endpoint_id` leaves no other index that order (see `endpointHeads`).
   */
  private async firstPending(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.executor.all<Row>(
      `SELECT * FROM ${this.indexed('webhook_deliveries_endpoint_due')} WHERE status = 'pending' AND endpoint_id >= ? ORDER BY endpoint_id, next_attempt_at, id LIMIT ?`,
      [endpointId, limit],
    );
    return rows.map(mapDelivery);
  }

  private async lease(id: string, until: Instant): Promise<void> {
    await this.executor.run('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?', [until, id]);
  }

  /** The table, with its index named where the store takes index hints (SQLite's planner has no statistics). */
  private indexed(index: string): string {
    return this.capabilities.indexedBy ? `webhook_deliveries INDEXED BY ${index}` : 'webhook_deliveries';
  }
}

/** A pending delivery's place in due order. */
type DuePlace = { nextAttemptAt: Instant | null; id: string };

/** Due order, as both indexes keep it: by next attempt, then ID (a pending delivery always has its next attempt). */
function byDueOrder(a: DuePlace, b: DuePlace): number {
  const [aAt, bAt] = [a.nextAttemptAt ?? 0, b.nextAttemptAt ?? 0];
  return aAt !== bAt ? aAt - bAt : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

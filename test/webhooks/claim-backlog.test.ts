import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Instant } from '../../src/domain/types.ts';
import type { Store } from '../../src/store/port.ts';
import type { Repository } from '../../src/store/repository/repository.ts';
import { WebhookDeliveryQueries } from '../../src/store/repository/webhook-delivery-queries.ts';
import type { SqlExecutor } from '../../src/store/sql-executor.ts';
import type { DeliveryStatus, WebhookDeliveryRecord } from '../../src/store/webhook-records.ts';
import { SendSlots } from '../../src/webhooks/send-slots.ts';
import { openRawDatabase } from '../support/raw-database.ts';
import { forEachStore, type StoreTarget } from '../support/stores.ts';
import { addWebhookEndpoint, createFixture, T0, webhookDelivery as delivery, type Fixture } from '../store-contract/fixtures.ts';

const NOW = T0 + 10_000_000;
const LEASE_UNTIL = NOW + 60_000_000;
/** A receiver that is down for a while: this many of its deliveries are due, ahead of everyone else's. */
const BACKLOG = 50_000;

/** What the claim's statements did: how many ran, the rows they returned, and (PostgreSQL) the rows their plans read. */
interface ClaimWork {
  statements: number;
  rowsReturned: number;
  /** PostgreSQL: rows the scans of webhook_deliveries produced or filtered out (EXPLAIN ANALYZE), over every statement. */
  rowsRead: number;
  /** SQLite: each SELECT with its plan. */
  plans: Array<{ sql: string; params: readonly unknown[]; plan: string }>;
  /** Every statement's text, in order. */
  texts: string[];
}

/** Nothing yet; with `explain`, each SELECT is explained too (on the claim's own connection, in its transaction). */
const noWork = (explain: string | null): ClaimWork & { explain: string | null } => ({ explain, statements: 0, rowsReturned: 0, rowsRead: 0, plans: [], texts: [] });

/**
 * The store's own executor for this transaction, measured: each SELECT is explained on the same
 * connection first (PostgreSQL: EXPLAIN ANALYZE, which runs it, so its row counts are the real ones;
 * the statement itself then runs again, under the locks the first run took).
 */
function measured(repository: Repository, work: ClaimWork & { explain: string | null }): WebhookDeliveryQueries {
  const executor = (repository.webhookDeliveries as unknown as { executor: SqlExecutor }).executor;
  const explain = async (sql: string, params: readonly unknown[]) => {
    work.texts.push(sql);
    if (work.explain === null || !/^\s*(WITH|SELECT)\b/.test(sql)) return;
    if (work.explain === 'postgres') {
      const [row] = await executor.all<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      work.rowsRead += rowsRead(row!['QUERY PLAN'][0]!.Plan);
    } else {
      const steps = await executor.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
      work.plans.push({ sql, params, plan: steps.map((step) => step.detail).join(' | ') });
    }
  };
  const recording: SqlExecutor = {
    all: async <Row>(sql: string, params: readonly unknown[] = []) => {
      await explain(sql, params);
      const rows = await executor.all<Row>(sql, params);
      work.statements += 1;
      work.rowsReturned += rows.length;
      return rows;
    },
    get: async <Row>(sql: string, params: readonly unknown[] = []) => {
      await explain(sql, params);
      const row = await executor.get<Row>(sql, params);
      work.statements += 1;
      work.rowsReturned += row === undefined ? 0 : 1;
      return row;
    },
    run: async (sql, params = []) => {
      work.texts.push(sql);
      work.statements += 1;
      return executor.run(sql, params);
    },
  };
  return new WebhookDeliveryQueries(recording, repository.capabilities);
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of webhook_deliveries read: those they produced and those their filters threw away (both are per loop). */
function rowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'webhook_deliveries'
      ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child), 0);
}

/** `count` pending deliveries to `endpointId`, due one millisecond apart from `dueFrom` on, in one statement. */
async function seedDue(target: StoreTarget, fixture: Fixture, endpointId: string, count: number, dueFrom: Instant): Promise<void> {
  const database = await openRawDatabase(target);
  try {
    await database.all(
      `WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO webhook_deliveries (id, environment_id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, created_at)
       SELECT 'whd_backlog_' || i, ?, ?, 'evt_backlog_' || i, 'grant.created', 'pending', 0, CAST(? AS BIGINT) + i, ? FROM n`,
      [count, fixture.environment.id, endpointId, dueFrom, T0],
    );
    await database.all('ANALYZE');
  } finally {
    await database.close();
  }
}


async function insertAll(store: Store, deliveries: readonly WebhookDeliveryRecord[]): Promise<void> {
  await store.transaction(async (repository) => {
    for (const record of deliveries) await repository.webhookDeliveries.insert(record);
  });
}

/** One claim as a node's pass makes it: at most the slots it takes, within each endpoint's share; unused slots go back. */
async function claim(store: Store, slots: SendSlots, work?: ClaimWork & { explain: string | null }): Promise<WebhookDeliveryRecord[]> {
  const taken = slots.take(slots.capacity);
  const claimed = await store.transaction((repository) =>
    (work ? measured(repository, work) : repository.webhookDeliveries).claimDue({ now: NOW, leaseUntil: LEASE_UNTIL, limit: taken, shares: slots }),
  );
  slots.give(taken - claimed.length);
  return claimed;
}

/** The due order of both indexes: next attempt, then ID (IDs here are ASCII, so JS and both databases sort them alike). */
const dueOrder = (a: WebhookDeliveryRecord, b: WebhookDeliveryRecord) => a.nextAttemptAt! - b.nextAttemptAt! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A small deterministic generator (mulberry32), so a failing case can be run again. */
function randomFrom(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * below);
  };
}

/**
 * A claim's work does not grow with what an endpoint it skips has due: an endpoint that is
 * down (it holds its whole share of the node's slots) piles up due deliveries at the front of
 * the due index, and the claim must find the others' behind them without walking past them
 * (migration 21, `WebhookDeliveryQueries.claimDue`).
 */
forEachStore('claiming webhook deliveries behind a full endpoint’s backlog', (target) => {
  it(`claims another endpoint’s delivery behind ${BACKLOG.toLocaleString('en')} due to a full one, reading a bounded number of rows`, async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const down = await addWebhookEndpoint(fixture);
    const other = await addWebhookEndpoint(fixture);
    await seedDue(target, fixture, down.id, BACKLOG, T0);

    // The down endpoint's four oldest are claimed (its share of the node's 16 slots); their sends hang.
    const node = new SendSlots(16);
    const hanging = await claim(store, node);
    assert.deepEqual(hanging.map((record) => record.id), ['whd_backlog_0', 'whd_backlog_1', 'whd_backlog_2', 'whd_backlog_3']);
    assert.deepEqual(node.full(), [down.id]);

    // Another endpoint's delivery falls due behind the whole backlog.
    const waiting = delivery(fixture, other.id, 'whd_waiting', T0 + BACKLOG);
    await insertAll(store, [waiting]);
    const work = noWork(target.dialect);
    const claimed = await claim(store, node, work);
    assert.deepEqual(claimed.map((record) => record.id), [waiting.id], 'the other endpoint’s delivery, and none of the full one’s');

    // What the claim did: a handful of statements returning a few dozen rows at most (the first due, four times the
    // limit of 12, then one range per endpoint), never a walk of the backlog.
    assert.ok(work.statements <= 8, `${work.statements} statements`);
    assert.ok(work.rowsReturned <= 4 * 12 + 10, `${work.rowsReturned} rows returned`);
    if (target.dialect === 'postgres') {
      // EXPLAIN ANALYZE counts every row the scans read, those a filter threw away too.
      assert.ok(work.rowsRead <= 4 * 12 + 20, `the claim’s scans read ${work.rowsRead} rows`);
    } else {
      // SQLite: every statement is index seeks and ranges, no scan of the table and no sort of one, and each reads no
      // row it does not return (past its LIMIT): it looks rows up by primary key, or every value it filters on bounds its
      // index range. A filter outside the range, such as skipping a full endpoint's deliveries, reads the whole backlog.
      for (const { sql, params, plan } of work.plans) {
        const detail = `${sql} ${JSON.stringify(params)}: ${plan}`;
        assert.doesNotMatch(plan, /SCAN webhook_deliveries|TEMP B-TREE FOR ORDER BY/, detail);
        if (/^SEARCH webhook_deliveries USING (PRIMARY KEY|INDEX sqlite_autoindex_webhook_deliveries_\d) \(id=\?\)$/.test(plan)) continue;
        const filtered = (sql.split(/\bLIMIT\b/)[0]!.match(/\?/g) ?? []).length;
        const bounded = [...plan.matchAll(/USING (?:COVERING )?INDEX \w+ \(([^)]*)\)/g)].reduce((sum, match) => sum + (match[1]!.match(/\?/g) ?? []).length, 0);
        assert.ok(filtered <= bounded, `filters on ${filtered} values, its index ranges on ${bounded}: ${detail}`);
      }
      assert.ok(work.plans.length >= 3, JSON.stringify(work.plans));
      const ranges = work.plans.map(({ plan }) => plan).join(' || ');
      assert.match(ranges, /SEARCH webhook_deliveries USING INDEX webhook_deliveries_due \(next_attempt_at<\?\)/, 'the first due, as far as the window');
      assert.match(ranges, /SEARCH webhook_deliveries USING COVERING INDEX webhook_deliveries_endpoint_due \(endpoint_id>\?\)/, 'the endpoints, seek by seek');
      assert.match(ranges, /SEARCH webhook_deliveries USING INDEX webhook_deliveries_endpoint_due \(endpoint_id>\?\)/, 'the other endpoint’s first, along its range');
    }

    // As one of the down endpoint's sends ends, its next delivery is claimed, oldest first, and no more.
    node.release(down.id);
    node.give();
    const next = await claim(store, node);
    assert.deepEqual(next.map((record) => record.id), ['whd_backlog_4']);
    assert.deepEqual(node.full(), [down.id]);
  });
});

/**
 * Either way the claim reads (the first due, or endpoint by endpoint), it claims what a model says: each endpoint's
 * oldest due up to its room, and of those the `limit` oldest; and it counts each once.
 */
forEachStore('claiming the oldest due deliveries within each endpoint’s room', (target) => {
  it('claims the oldest due deliveries each endpoint has room for, whether the first due tell them or endpoint by endpoint', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const endpoints = await Promise.all(Array.from({ length: 5 }, () => addWebhookEndpoint(fixture)));
    const seen = { window: 0, byEndpoint: 0 };
    for (let seed = 1; seed <= 30; seed += 1) {
      const random = randomFrom(seed);
      // Due times from a short span, so many tie; some not due yet, some already delivered (in no pending index).
      const deliveries: WebhookDeliveryRecord[] = [];
      for (const [index, endpoint] of endpoints.entries()) {
        // The first endpoint is often busy: many deliveries, the oldest due, as a receiver that is down has.
        const count = index === 0 && random(2) === 0 ? 40 + random(60) : random(12);
        for (let n = 0; n < count; n += 1) {
          const at = index === 0 && count >= 40 ? T0 + random(20) : T0 + random(60);
          const status: DeliveryStatus = random(8) === 0 ? 'delivered' : 'pending';
          deliveries.push(delivery(fixture, endpoint.id, `whd_${String(seed).padStart(2, '0')}_${index}_${String(n).padStart(3, '0')}`, random(10) === 0 ? NOW + 1 + random(50) : at, status));
        }
      }
      await insertAll(store, deliveries);
      const node = new SendSlots(16);
      const held = new Map(endpoints.map((endpoint) => [endpoint.id, random(node.perEndpoint + 1)]));
      for (const [endpointId, sends] of held) for (let n = 0; n < sends; n += 1) node.admit(endpointId);
      node.take([...held.values()].reduce((sum, sends) => sum + sends, 0));
      node.take(random(node.free));
      const limit = node.free;

      // The model: each endpoint's oldest due, up to its room; of those the `limit` oldest.
      const admitted = endpoints.flatMap((endpoint) =>
        deliveries
          .filter((record) => record.endpointId === endpoint.id && record.status === 'pending' && record.nextAttemptAt! <= NOW)
          .sort(dueOrder)
          .slice(0, node.perEndpoint - held.get(endpoint.id)!),
      );
      const expected = admitted.sort(dueOrder).slice(0, limit).map((record) => record.id);

      const work = noWork(null);
      const claimed = await claim(store, node, work).then((records) => records.map((record) => record.id));
      assert.deepEqual(claimed, expected, `seed ${seed}, limit ${limit}, held ${JSON.stringify([...held.values()])}`);
      for (const endpoint of endpoints) {
        const sends = held.get(endpoint.id)! + claimed.filter((id) => deliveries.find((record) => record.id === id)!.endpointId === endpoint.id).length;
        assert.equal(node.room(endpoint.id), node.perEndpoint - sends, `seed ${seed}: each claimed delivery counted once`);
      }
      seen[work.texts.some((sql) => sql.includes('WITH RECURSIVE')) ? 'byEndpoint' : 'window'] += 1;
      // This case's deliveries leave the pending indexes before the next.
      await store.transaction(async (repository) => {
        for (const endpoint of endpoints) await repository.webhookDeliveries.cancelPending(endpoint.id);
      });
    }
    assert.ok(seen.window > 0 && seen.byEndpoint > 0, `both ways were taken: ${JSON.stringify(seen)}`);
  });
});

/**
 * Nodes claim at once, each with its own slots, while one endpoint's backlog fills the front of the due index: no
 * delivery is claimed twice, no node ever has more than an endpoint's share in flight to it (a delivery another node
 * holds is not claimed, and not counted), and the other endpoints' deliveries all go out meanwhile.
 */
forEachStore('nodes claiming at once behind a full endpoint’s backlog', (target) => {
  it('never claim one delivery twice, keep each endpoint within its share on each node, and reach every other endpoint', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const [down, ...others] = await Promise.all(Array.from({ length: 4 }, () => addWebhookEndpoint(fixture)));
    await seedDue(target, fixture, down!.id, 300, T0);
    const waiting = others.flatMap((endpoint, index) => Array.from({ length: 30 }, (_, n) => delivery(fixture, endpoint.id, `whd_${index}_${String(n).padStart(3, '0')}`, T0 + 300 + 3 * n + index)));
    await insertAll(store, waiting);

    const nodes = [
      { store, slots: new SendSlots(16), inFlight: [] as WebhookDeliveryRecord[] },
      { store: await target.open(), slots: new SendSlots(16), inFlight: [] as WebhookDeliveryRecord[] },
    ];
    const everClaimed = new Set<string>();
    const left = new Set(waiting.map((record) => record.id));
    for (let round = 0; left.size > 0; round += 1) {
      assert.ok(round < 60, `${left.size} deliveries of the other endpoints still unclaimed after 60 rounds`);
      // Two overlapping passes on each node.
      const passes = await Promise.all(nodes.flatMap((node) => [claim(node.store, node.slots), claim(node.store, node.slots)].map((pass) => pass.then((claimed) => ({ node, claimed })))));
      for (const { node, claimed } of passes) {
        for (const record of claimed) {
          assert.ok(!everClaimed.has(record.id), `${record.id} claimed twice`);
          everClaimed.add(record.id);
          left.delete(record.id);
          node.inFlight.push(record);
        }
      }
      for (const node of nodes) {
        for (const endpoint of [down!, ...others]) {
          const sends = node.inFlight.filter((record) => record.endpointId === endpoint.id).length;
          assert.ok(sends <= node.slots.perEndpoint, `${sends} in flight to one endpoint on a node`);
          assert.equal(node.slots.room(endpoint.id), node.slots.perEndpoint - sends, 'the node counts exactly what it claimed');
        }
        // Half of each node's sends end (the oldest first): their slots and counts come back.
        for (const record of node.inFlight.splice(0, Math.ceil(node.inFlight.length / 2))) {
          node.slots.release(record.endpointId);
          node.slots.give();
        }
      }
    }
    // The down endpoint got sends too, its oldest first, on both nodes together.
    const downClaimed = [...everClaimed].filter((id) => id.startsWith('whd_backlog_')).sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)));
    assert.ok(downClaimed.length >= 4);
    assert.deepEqual(downClaimed, Array.from({ length: downClaimed.length }, (_, index) => `whd_backlog_${index}`));
  });
});

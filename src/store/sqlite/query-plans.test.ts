import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Repository } from '../repository/repository.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { withPlanner } from './query-planner.ts';
import { SQLITE_CAPABILITIES } from './sqlite-store.ts';

/** The hot path must never scan a wallet's history: pin the indexes the planner picks for it. */
it('loads live grants and active holds through their partial indexes', () =>
  withPlanner(async (plan) => {
    assert.match(plan("SELECT id FROM grants WHERE wallet_id = 'w' AND live = 1"), /USING (COVERING )?INDEX grants_live/);
    assert.match(plan("SELECT * FROM holds WHERE wallet_id = 'w' AND status = 'active'"), /USING INDEX holds_active/);
  }));

/** Export pages are index ranges starting at the cursor, on the customer's index when one is named: never a scan from `from`, never a sort. */
it('walks export pages as index ranges from the cursor', () =>
  withPlanner(async (plan) => {
    // The repository's own SQL and parameters, recorded, then explained on the real schema.
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = {
      all: async (sql, params = []) => (recorded.push({ sql, params }), []),
      get: async () => undefined,
      run: async () => 0,
    };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    const page = { environmentId: 'env', from: 0, to: 10, limit: 2, after: { at: 1, id: 'x' } };
    // A customer's ledger is walked through its wallets (app/customer-entries.ts), the environment's here.
    await repository.ledger.pageByEffectiveTime(page);
    for (const customerId of [undefined, 'c']) {
      await repository.grants.pageByCreation({ ...page, customerId, unit: 'u' });
      await repository.usageEvents.pageByOccurrence({ ...page, customerId });
    }
    assert.equal(recorded.length, 5);
    for (const { sql, params } of recorded) {
      const detail = plan(sql, params);
      assert.match(detail, /^SEARCH \w+ USING INDEX \w+ \(environment_id=\? (AND customer_id=\? )?AND \(\w+,id\)>\(\?,\?\) AND \w+<\?\)$/, `${sql}: ${detail}`);
      assert.equal(detail.includes('customer_id=?'), sql.includes('customer_id = ?'), `${sql}: the customer's index when a customer is named`);
    }
  }));

/** Ledger and debit listings are index ranges, never a sort: the pages of a long history cost what the first one does (migrations 15 and 17). */
it('lists the ledger and a customer’s debits as index ranges', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = {
      all: async (sql, params = []) => (recorded.push({ sql, params }), []),
      get: async <Row>() => ({ effective_at: 5, id: 'led_x', grant_id: 'grt_g', sequence: 3 }) as Row,
      run: async () => 0,
    };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    for (const filters of [{}, { unit: 'u' }, { effectiveAt: { gte: 1 } }]) {
      for (const order of ['asc', 'desc'] as const) {
        for (const startingAfter of [null, 'led_x']) await repository.ledger.list('env', filters, { limit: 10, startingAfter, order });
      }
    }
    // A grant's or a customer's entries: a range of a wallet's sequence (app/grant-entries.ts, customer-entries.ts).
    for (const filters of [{}, { environmentId: 'env', type: 'debit' as const, bookedBefore: 9 }]) {
      for (const descending of [false, true]) await repository.ledger.walletSlice({ walletId: 'wal', grantId: 'grt_g', from: 1, to: 2048, descending, limit: 11, filters });
    }
    // A customer's debits: the debits its wallets' entries name, and those that book none (app/customer-debits.ts).
    await repository.ledger.debitsNamed({ walletId: 'wal', from: 1, to: 2048, descending: true, limit: 2048 });
    await repository.debits.listUnbookedOfCustomer('env', 'c', { unit: 'u' }, { after: 'dbt_9', before: 'dbt_1', descending: true, limit: 11 });
    assert.equal(recorded.length, 18);
    // A customer's walk finds its wallets, and where to start in each by binary search on the sequence.
    const customerReads: Array<{ sql: string; params: readonly unknown[] }> = [];
    const walletReader = new Repository({ ...recorder, all: async (sql, params = []) => (customerReads.push({ sql, params }), []), get: async (sql, params = []) => (customerReads.push({ sql, params }), undefined) }, SQLITE_CAPABILITIES);
    await walletReader.wallets.listOfCustomer('env', 'c', { unit: 'u' });
    await walletReader.ledger.firstSequenceFrom('wal', 1000, 5, false);
    assert.match(plan(customerReads[0]!.sql, customerReads[0]!.params), /^SEARCH wallets USING INDEX wallets_address \(environment_id=\? AND customer_id=\? AND unit=\?\)/);
    assert.equal(customerReads.length, 1 + Math.ceil(Math.log2(1001)), 'a binary search: one lookup per halving');
    assert.match(plan(customerReads[1]!.sql, customerReads[1]!.params), /^SEARCH ledger_entries USING INDEX ledger_entries_wallet_sequence \(wallet_id=\? AND sequence=\?\)$/);
    for (const { sql, params } of recorded.slice(12, 16)) {
      assert.match(plan(sql, params), /^SEARCH ledger_entries USING INDEX ledger_entries_wallet_sequence \(wallet_id=\? AND sequence>\? AND sequence<\?\)$/, sql);
    }
    for (const { sql, params } of recorded) {
      const detail = plan(sql, params);
      assert.match(detail, /^SEARCH \w+ USING INDEX \w+/, `${sql}: ${detail}`);
      assert.doesNotMatch(detail, /TEMP B-TREE/, `${sql}: ${detail}`);
    }
    assert.match(plan(recorded[16]!.sql, recorded[16]!.params), /^SEARCH ledger_entries USING INDEX ledger_entries_wallet_sequence \(wallet_id=\? AND sequence>\? AND sequence<\?\)$/);
    assert.match(plan(recorded[17]!.sql, recorded[17]!.params), /^SEARCH debits USING INDEX debits_unbooked \(environment_id=\? AND customer_id=\? AND id>\? AND id<\?\)$/);
  }));

/** An event's INSERT looks its environment's endpoints up through their index (it runs once per event written). */
it('writes an event after one index lookup of its environment’s endpoints', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = { all: async () => [], get: async () => undefined, run: async (sql, params = []) => (recorded.push({ sql, params }), 1) };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    await repository.events.insertMany([{ id: 'evt_1', environmentId: 'env', type: 'grant.created', data: { customerId: 'cus_1' }, createdAt: 0 }]);
    const detail = plan(recorded[0]!.sql, recorded[0]!.params);
    assert.match(detail, /SEARCH webhook_endpoints USING INDEX webhook_endpoints_environment \(environment_id=\?\)/, detail);
  }));

/**
 * A list no filter narrows walks the primary key (IDs sort by time): never a sort of the whole environment. Without
 * statistics the planner took any index starting with `environment_id` and sorted every row of the environment for
 * each page: the debits (through `debits_customer`, until migration 20), the audit log, credit notes and wallets
 * (27 ms a page of 20 debits at 30,000; 0.2 ms along the key). A filter with an index of its own uses that index.
 * (The app reads the lists no index narrows in windows, below; these single statements are what those pages equal.)
 */
it('lists whole environments along the primary key, and a filtered list through its index', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = { all: async (sql, params = []) => (recorded.push({ sql, params }), []), get: async () => ({ id: 'x_5' }) as never, run: async () => 0 };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    for (const startingAfter of ['x_5', null]) {
      const page = { limit: 20, startingAfter };
      await repository.audit.list('env', {}, page);
      await repository.audit.list('env', { operation: 'POST /v1/debits', createdFrom: 1 }, page);
      await repository.creditNotes.list('env', { status: 'pending' }, page);
      await repository.wallets.list('env', { unit: 'u' }, page);
    }
    assert.equal(recorded.length, 8);
    for (const { sql, params } of recorded) {
      const detail = plan(sql, params);
      assert.match(detail, params.includes('x_5') ? /^SEARCH \w+ USING (PRIMARY KEY|INDEX sqlite_autoindex_\w+) \(id<\?\)$/ : /^SCAN \w+( USING INDEX sqlite_autoindex_\w+)?$/, `${sql}: ${detail}`);
    }
    recorded.length = 0;
    await repository.audit.list('env', { apiKeyId: 'key_1' }, { limit: 20, startingAfter: 'x_5' });
    await repository.audit.list('env', { objectId: 'dbt_1' }, { limit: 20, startingAfter: 'x_5' });
    await repository.creditNotes.list('env', { purchaseId: 'pur_1' }, { limit: 20, startingAfter: 'x_5' });
    await repository.wallets.list('env', { customerId: 'cus_1' }, { limit: 20, startingAfter: 'x_5' });
    const [byKey, byObject, byPurchase, byCustomer] = recorded.map(({ sql, params }) => plan(sql, params));
    assert.match(byKey!, /^SEARCH audit_log USING INDEX audit_log_key \(environment_id=\? AND api_key_id=\? AND id<\?\)$/);
    assert.match(byObject!, /^SEARCH audit_log USING INDEX audit_log_object \(environment_id=\? AND object_id=\? AND id<\?\)$/);
    assert.match(byPurchase!, /INDEX credit_notes_purchase/);
    assert.match(byCustomer!, /INDEX wallets_address/);
  }));

/** A customer's debit events: each by primary key, from the IDs of its debits (app/customer-events.ts); its other events, the index of events with a customer. */
it('finds a customer’s debit events by primary key', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = { all: async (sql, params = []) => (recorded.push({ sql, params }), []), get: async () => undefined, run: async () => 0 };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    await repository.events.ofDebits('env', ['dbt_1', 'dbt_2', 'dbt_3']);
    // The rest of a customer's events: the index of events with a customer (partial since migration 19).
    await repository.events.list('env', { customerId: 'c' }, { limit: 10, startingAfter: null });
    assert.match(plan(recorded[0]!.sql, recorded[0]!.params), /^SEARCH events USING PRIMARY KEY \(id=\?\)$/);
    assert.match(plan(recorded[1]!.sql, recorded[1]!.params), /^SEARCH events USING INDEX events_customer \(environment_id=\? AND customer_id=\?\)$/);
  }));

/**
 * The webhook claim with shares reads only bounded ranges and seeks (migration 21), never past a full endpoint's due
 * deliveries: the first due (a window of `webhook_deliveries_due`, its ties on one time sorted), then, when those are all
 * a full endpoint's, the endpoints with pending deliveries one seek each and an endpoint's first along
 * `webhook_deliveries_endpoint_due`, and the deliveries chosen by primary key. Walking the due index past a full
 * endpoint's 100,000 due deliveries took 20-30 ms a claim.
 */
it('claims webhook deliveries through index seeks and ranges', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const pending = (endpointId: string, id: string, at: number) => ({ id, environment_id: 'env', endpoint_id: endpointId, event_id: `evt_${id}`, event_type: 'grant.created', status: 'pending', attempts: 0, next_attempt_at: at, created_at: 0 });
    const recorder: SqlExecutor = {
      all: async <Row>(sql: string, params: readonly unknown[] = []) => {
        recorded.push({ sql, params });
        // The endpoints with pending deliveries; an endpoint's first; those still claimable of the chosen; else the first due, all of the full endpoint.
        if (sql.startsWith('WITH RECURSIVE')) return [{ endpoint_id: 'we_full', next_attempt_at: 1, id: 'whd_f0' }, { endpoint_id: 'we_other', next_attempt_at: 90, id: 'whd_o0' }] as Row[];
        if (sql.includes('endpoint_id >= ?')) return [pending('we_other', 'whd_o0', 90)] as Row[];
        if (sql.includes('id IN')) return params.slice(0, -1).map((id) => ({ id })) as Row[];
        return Array.from({ length: Number(params[1]) }, (_, index) => pending('we_full', `whd_f${index}`, index + 1)) as Row[];
      },
      get: async () => undefined,
      run: async (sql, params = []) => (recorded.push({ sql, params }), 1),
    };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    const shares = { room: (endpointId: string) => (endpointId === 'we_full' ? 0 : 4), admit: () => true, release: () => {} };
    const claimed = await repository.webhookDeliveries.claimDue({ now: 100, leaseUntil: 999, limit: 3, shares });
    assert.deepEqual(claimed.map((delivery) => delivery.id), ['whd_o0']);
    // Without shares: the first due, as before.
    await repository.webhookDeliveries.claimDue({ now: 100, leaseUntil: 999, limit: 3 });
    const reads = recorded.filter(({ sql }) => !sql.startsWith('UPDATE')).map(({ sql, params }) => plan(sql, params));
    assert.equal(reads.length, 5);
    const [window, heads, first, chosen, plain] = reads as [string, string, string, string, string];
    assert.equal(window, 'SEARCH webhook_deliveries USING INDEX webhook_deliveries_due (next_attempt_at<?) | USE TEMP B-TREE FOR LAST TERM OF ORDER BY');
    // The loose index scan: each step three seeks past the previous endpoint, and no other read of the table.
    const seeks = heads.split(' | ').filter((step) => step.includes('webhook_deliveries'));
    assert.deepEqual(seeks, Array.from({ length: 3 }, () => 'SEARCH webhook_deliveries USING COVERING INDEX webhook_deliveries_endpoint_due (endpoint_id>?)'), heads);
    assert.equal(first, 'SEARCH webhook_deliveries USING INDEX webhook_deliveries_endpoint_due (endpoint_id>?)');
    assert.equal(chosen, 'SEARCH webhook_deliveries USING INDEX sqlite_autoindex_webhook_deliveries_1 (id=?)');
    assert.equal(plain, window);
    for (const { sql, params } of recorded.filter(({ sql }) => sql.startsWith('UPDATE'))) {
      assert.equal(plan(sql, params), 'SEARCH webhook_deliveries USING INDEX sqlite_autoindex_webhook_deliveries_1 (id=?)');
    }
  }));

/**
 * An environment-wide list whose filter no index serves reads in windows (fetchWindow, app/list-windows.ts): one
 * statement walks the order index to the window's far end (no sort), one reads the rows between the window's start
 * and that end, an index range bounded by keys on both sides, never a sort: so no statement examines more than the
 * window. A time range on the ledger bounds the walk by key too (its near side) or only the walk to the far end.
 */
it('reads filtered environment-wide lists in windows: a walk to the far end, then a range bounded on both sides', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = {
      all: async (sql, params = []) => (recorded.push({ sql, params }), []),
      get: async <Row>(sql: string, params: readonly unknown[] = []) => (recorded.push({ sql, params }), { effective_at: 1, id: 'x_1' } as Row),
      run: async () => 0,
    };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    for (const descending of [true, false]) {
      const input = { descending, window: 2000, limit: 21 };
      for (const after of [[5, 'led_5'], null]) {
        for (const effectiveAt of [undefined, { gte: 0, lte: 100 }, { gt: 0, lt: 3 }]) await repository.ledger.listWindow('env', { type: 'void', effectiveAt }, { ...input, after });
      }
      await repository.debits.listWindow('env', { feature: 'f' }, { ...input, after: 'dbt_5' });
      await repository.events.listWindow('env', { type: 'debit.*' }, { ...input, after: 'evt_5' });
    }
    assert.equal(recorded.length, 32);
    for (const [index, { sql, params }] of recorded.entries()) {
      const detail = plan(sql, params);
      assert.doesNotMatch(detail, /TEMP B-TREE/, `${sql}: ${detail}`);
      if (index % 2 === 0) {
        assert.match(sql, /LIMIT 1 OFFSET \?$/);
        assert.equal(params.at(-1), 1999, 'the far end: the window’s last entry');
        assert.match(detail, /^SEARCH \w+ USING (COVERING INDEX ledger_entries_effective \(environment_id=\?|PRIMARY KEY \(id[<>]\?\)$)/, `${sql}: ${detail}`);
      } else if (sql.includes('ledger_entries')) {
        // From the environment's first (or last) entry when the walk has no start yet; every bound a key, none left a filter.
        assert.match(detail, /^SEARCH ledger_entries USING INDEX ledger_entries_effective \(environment_id=\?( AND \(effective_at,id\)>\(\?,\?\))?( AND \(effective_at,id\)<\(\?,\?\))?\)$/, sql);
        assert.equal(detail.split('(effective_at,id)').length, sql.split('(effective_at, id)').length, `${sql}: ${detail}`);
        assert.doesNotMatch(sql, /effective_at [<>]/, sql);
      } else {
        assert.match(detail, /^SEARCH (debits|events) USING PRIMARY KEY \(id>\? AND id<\?\)$/, `${sql}: ${detail}`);
      }
    }
  }));

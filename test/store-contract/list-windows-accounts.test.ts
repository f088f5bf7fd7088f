import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createUnit, listWallets, upsertWallet } from '../../src/app/accounts.ts';
import { listAuditLog } from '../../src/app/audit-log.ts';
import { createGrant } from '../../src/app/grants.ts';
import { listCreditNotes } from '../../src/app/refunds.ts';
import type { AuditFilters } from '../../src/store/repository/audit-queries.ts';
import type { Page, PageRequest } from '../../src/store/records.ts';
import { openRawDatabase } from '../support/raw-database.ts';
import { forEachStore } from '../support/stores.ts';
import { allPages, bodyOf, createFixture, presentGrant, rejectsWith, SECOND, T0, walletOf, type Fixture } from './fixtures.ts';
import { assertWindowed, countRows, storedRows, watched } from './list-walks.ts';

/**
 * The audit log (with its filters), credit notes and wallets of an environment beside a larger one: a list no index
 * narrows to the environment and its filters is read in windows of the index it walks (the primary key, every
 * environment's rows; the audit log by key or by object, that key's or object's), a turn of the event loop apart
 * (app/list-windows.ts), with the pages one statement gives; a list an index gives directly is one read. A small
 * window (`windowRows`) makes a few rows many windows; the tests count what the store was asked.
 */

const LARGE = 36;
/** The small environment has one of its few rows every SPREAD rows of the large one's, so the key interleaves them. */
const SPREAD = 15;

function ids(rows: ReadonlyArray<Record<string, unknown>>, order: 'asc' | 'desc'): string[] {
  const listed = rows.map((row) => String(row.id));
  return order === 'asc' ? listed : listed.reverse();
}

/** Every page of `list` equals `expected` (stored rows in ID order), in both orders, for several windows and page sizes. */
async function assertPages(list: (page: PageRequest, windowRows?: number) => Promise<Page<{ id: string }>>, expected: ReadonlyArray<Record<string, unknown>>, label: string): Promise<void> {
  for (const order of ['asc', 'desc'] as const) {
    for (const windowRows of [1, 6, undefined]) {
      for (const limit of [1, 4]) {
        const listed = await allPages(limit, (page) => list({ ...page, order }, windowRows));
        assert.deepEqual(listed.map((row) => row.id), ids(expected, order), `${label}, windows of ${windowRows}, pages of ${limit}, ${order}`);
      }
    }
  }
}

forEachStore('audit log, credit note and wallet lists beside a larger environment', (target) => {
  it('list the audit log, with any filter, in windows of the index it walks, and by key or object alone in one read', async () => {
    const store = await target.open();
    const raw = await openRawDatabase(target);
    try {
      const large = await createFixture(store);
      const small = await createFixture(store);
      // One ID factory for both, so the rows interleave along the key as written.
      const row = (fixture: Fixture, index: number, apiKeyId: string) => ({
        id: large.dependencies.newId('aud'),
        environmentId: fixture.environment.id,
        apiKeyId,
        operation: index % 13 === 5 ? 'POST /v1/grants' : 'POST /v1/debits',
        objectId: index % 3 === 0 ? null : `obj_${index % 4}`,
        requestId: `req_${index}`,
        clientAddress: '127.0.0.1',
        createdAt: T0 + index * SECOND,
      });
      for (let index = 0; index < LARGE; index += 1) {
        if (index % SPREAD === 0) await store.transaction((repository) => repository.audit.insert(row(small, index, 'key_s')));
        await store.transaction((repository) => repository.audit.insert(row(large, index, index % 2 === 0 ? 'key_a' : 'key_b')));
      }
      const list = (fixture: Fixture, filters: AuditFilters) => (page: PageRequest, windowRows?: number) => listAuditLog(fixture.dependencies, fixture.context, filters, page, { windowRows });
      const cases: Array<[Fixture, AuditFilters]> = [
        [small, {}],
        [small, { requestId: 'req_15' }],
        [large, {}],
        [large, { operation: 'POST /v1/grants' }],
        [large, { apiKeyId: 'key_a', operation: 'POST /v1/grants' }],
        [large, { apiKeyId: 'key_b', objectId: 'obj_1' }],
        [large, { objectId: 'obj_2', requestId: 'req_10' }],
        [large, { createdFrom: T0 + 10 * SECOND, createdBefore: T0 + 20 * SECOND }],
        [large, { apiKeyId: 'key_a' }],
        [large, { objectId: 'obj_3' }],
      ];
      for (const [fixture, filters] of cases) {
        const stored = await storedRows(raw, 'audit_log', fixture.environment.id);
        const matching = stored.filter(
          (entry) =>
            (filters.apiKeyId === undefined || entry.api_key_id === filters.apiKeyId) && (filters.objectId === undefined || entry.object_id === filters.objectId) &&
            (filters.operation === undefined || entry.operation === filters.operation) && (filters.requestId === undefined || entry.request_id === filters.requestId) &&
            (filters.createdFrom === undefined || Number(entry.created_at) >= filters.createdFrom) && (filters.createdBefore === undefined || Number(entry.created_at) < filters.createdBefore),
        );
        assert.ok(matching.length > 0 && (Object.keys(filters).length === 0 || matching.length < stored.length), `${JSON.stringify(filters)}: ${matching.length} of ${stored.length}`);
        await assertPages(list(fixture, filters), matching, JSON.stringify(filters));
      }
      // The small environment's few rows: every window of the primary key read, to find that the list ends.
      const whole = await watched(store, 'audit', () => list(small, {})({ limit: 10, startingAfter: null }, 10));
      assert.equal(whole.result.data.length, 3);
      assertWindowed(whole, await countRows(raw, 'audit_log'), 10);
      // By key and operation: the key's index walked, every window of it (its rows, not the table's).
      const keyRows = (await storedRows(raw, 'audit_log', large.environment.id)).filter((entry) => entry.api_key_id === 'key_a').length;
      const byKey = await watched(store, 'audit', () => list(large, { apiKeyId: 'key_a', operation: 'POST /v1/none' })({ limit: 10, startingAfter: null }, 5));
      assert.deepEqual(byKey.result, { data: [], hasMore: false });
      assertWindowed(byKey, keyRows, 5);
      assert.ok(byKey.reads <= Math.ceil(keyRows / 5) + 1, `reads: ${byKey.reads} for the key's ${keyRows} rows`);
      // By key alone the index gives the page: one read.
      const page = await watched(store, 'audit', () => list(large, { apiKeyId: 'key_a' })({ limit: 5, startingAfter: null }, 5));
      assert.equal(page.result.data.length, 5);
      assert.equal(page.reads, 1);
      // Another environment's row is no cursor.
      const [theirs] = await storedRows(raw, 'audit_log', large.environment.id);
      await rejectsWith(list(small, { operation: 'POST /v1/debits' })({ limit: 2, startingAfter: String(theirs!.id) }, 10), 'validation_error');
    } finally {
      await raw.close();
    }
  });

  it('list credit notes and wallets in windows of the primary key, and a purchase’s or a customer’s in one read', async () => {
    const store = await target.open();
    const raw = await openRawDatabase(target);
    try {
      const large = await createFixture(store);
      const small = await createFixture(store);
      await createUnit(large.dependencies, large.context, { code: 'tokens', scale: 2 });
      const walletIds = new Map<Fixture, string>();
      for (const fixture of [large, small]) {
        const made = bodyOf(await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '10', category: 'paid' }, present: presentGrant }));
        walletIds.set(fixture, String(made.walletId));
      }
      const note = (fixture: Fixture, index: number) => ({
        id: large.dependencies.newId('cn'),
        environmentId: fixture.environment.id,
        customerId: fixture.customer.id,
        walletId: walletIds.get(fixture)!,
        purchaseId: `pur_${index % 5}`,
        grantId: `grt_${index}`,
        credits: 1n,
        amountMinor: 100n,
        currency: 'usd',
        ledgerSequence: index,
        provider: 'stripe',
        status: index % 2 === 0 ? ('succeeded' as const) : ('pending' as const),
        refundReference: null,
        attempts: 0,
        lastError: null,
        createdAt: T0 + index * SECOND,
        refundedAt: null,
      });
      const wallet = (fixture: Fixture, unit: string, walletKey: string) =>
        upsertWallet(fixture.dependencies, { context: fixture.context, input: { customerId: fixture.customer.id, unit, walletKey }, present: (made) => ({ status: 200, body: made }) });
      for (let index = 0; index < LARGE; index += 1) {
        if (index % SPREAD === 0) {
          await store.transaction((repository) => repository.creditNotes.insert(note(small, index)));
          await wallet(small, small.unit, `k${index}`);
        }
        await store.transaction((repository) => repository.creditNotes.insert(note(large, index)));
        await wallet(large, index % 4 === 0 ? 'tokens' : large.unit, `k${index}`);
      }
      const notes = (fixture: Fixture, filters: { purchaseId?: string }) => (page: PageRequest, windowRows?: number) => listCreditNotes(fixture.dependencies, fixture.context, filters, page, { windowRows });
      const wallets = (fixture: Fixture, filters: { customerId?: string; unit?: string; walletKey?: string }) => (page: PageRequest, windowRows?: number) =>
        listWallets(fixture.dependencies, fixture.context, filters, page, { windowRows });
      for (const fixture of [small, large]) {
        const stored = await storedRows(raw, 'credit_notes', fixture.environment.id);
        await assertPages(notes(fixture, {}), stored, 'credit notes');
        await assertPages(notes(fixture, { purchaseId: 'pur_0' }), stored.filter((entry) => entry.purchase_id === 'pur_0'), 'credit notes of a purchase');
        const held = await storedRows(raw, 'wallets', fixture.environment.id);
        await assertPages(wallets(fixture, {}), held, 'wallets');
        await assertPages(wallets(fixture, { unit: 'tokens' }), held.filter((entry) => entry.unit === 'tokens'), 'wallets of a unit');
        await assertPages(wallets(fixture, { walletKey: 'k30' }), held.filter((entry) => entry.wallet_key === 'k30'), 'wallets of a key');
        await assertPages(wallets(fixture, { customerId: fixture.customer.id, unit: fixture.unit }), held.filter((entry) => entry.unit === fixture.unit), 'a customer’s wallets');
      }
      const walks: Array<['creditNotes' | 'wallets', string, (page: PageRequest, windowRows?: number) => Promise<Page<{ id: string }>>]> = [
        ['creditNotes', 'credit_notes', notes(small, {})],
        ['wallets', 'wallets', wallets(small, {})],
      ];
      for (const [queries, table, list] of walks) {
        // The small environment's few rows: every window of the key read, to find that the list ends.
        const walk = await watched(store, queries, () => list({ limit: 10, startingAfter: null }, 10));
        assert.deepEqual(walk.result.data.map((row) => row.id), ids(await storedRows(raw, table, small.environment.id), 'desc'), table);
        assert.equal(walk.result.hasMore, false);
        assertWindowed(walk, await countRows(raw, table), 10);
        // Another environment's row is no cursor.
        const [theirs] = await storedRows(raw, table, large.environment.id);
        await rejectsWith(list({ limit: 2, startingAfter: String(theirs!.id) }, 10), 'validation_error');
      }
      // A purchase's credit notes and a customer's wallets: one read of their index.
      assert.equal((await watched(store, 'creditNotes', () => notes(large, { purchaseId: 'pur_1' })({ limit: 20, startingAfter: null }, 2))).reads, 1);
      assert.equal((await watched(store, 'wallets', () => wallets(large, { customerId: large.customer.id })({ limit: 20, startingAfter: null }, 2))).reads, 1);
    } finally {
      await raw.close();
    }
  });
});

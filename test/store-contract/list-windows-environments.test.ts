import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listDebits } from '../../src/app/debit-reads.ts';
import { createDebit } from '../../src/app/debits.ts';
import { listEvents } from '../../src/app/events.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold, endHold, listHolds } from '../../src/app/holds.ts';
import type { HoldStatus } from '../../src/domain/types.ts';
import type { Store } from '../../src/store/port.ts';
import type { Page, PageRequest } from '../../src/store/records.ts';
import { openRawDatabase } from '../support/raw-database.ts';
import { forEachStore } from '../support/stores.ts';
import { allPages, bodyOf, createFixture, presentDebit, presentGrant, presentHold, rejectsWith, SECOND, walletOf, type Fixture } from './fixtures.ts';
import { assertWindowed, countRows, storedRows, watched } from './list-walks.ts';

/**
 * An environment's whole list of debits or events, and its holds with or without a status, beside a larger
 * environment: no index serves the environment (the primary key holds every environment's rows), so each is read in
 * windows of the key, a turn of the event loop apart (app/list-windows.ts), with the pages one statement gives. A
 * small window (`windowRows`) makes a few rows many windows; the tests count what the store was asked.
 */

const LARGE = 36;
/** The small environment makes one of its few rows every SPREAD rows of the large one's, so the key interleaves them. */
const SPREAD = 15;

async function pair(store: Store): Promise<{ small: Fixture; large: Fixture }> {
  const large = await createFixture(store);
  const small = await createFixture(store);
  for (const fixture of [large, small]) {
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1000', category: 'paid' }, present: presentGrant });
  }
  return { small, large };
}

function ids(rows: ReadonlyArray<Record<string, unknown>>, order: 'asc' | 'desc'): string[] {
  const listed = rows.map((row) => String(row.id));
  return order === 'asc' ? listed : listed.reverse();
}

forEachStore('whole environment-wide lists beside a larger environment', (target) => {
  it('list an environment’s debits and events, unfiltered, in windows of the primary key, with the pages one statement gave', async () => {
    const store = await target.open();
    const raw = await openRawDatabase(target);
    try {
      const { small, large } = await pair(store);
      const debit = (fixture: Fixture) => createDebit(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1' }, present: presentDebit });
      for (let index = 0; index < LARGE; index += 1) {
        if (index % SPREAD === 0) await debit(small);
        await debit(large);
      }
      const lists: Array<['debits' | 'events', (fixture: Fixture, page: PageRequest, windowRows?: number) => Promise<Page<{ id: string }>>]> = [
        ['debits', (fixture, page, windowRows) => listDebits(fixture.dependencies, fixture.context, {}, page, { windowRows })],
        ['events', (fixture, page, windowRows) => listEvents(fixture.dependencies, fixture.context, {}, page, { windowRows })],
      ];
      for (const [table, list] of lists) {
        for (const fixture of [small, large]) {
          const stored = await storedRows(raw, table, fixture.environment.id);
          assert.ok(stored.length >= (fixture === small ? 3 : LARGE), `${table}: ${stored.length}`);
          for (const order of ['asc', 'desc'] as const) {
            for (const windowRows of [1, 7, undefined]) {
              for (const limit of [1, 4]) {
                const listed = await allPages(limit, (page) => list(fixture, { ...page, order }, windowRows));
                assert.deepEqual(listed.map((row) => row.id), ids(stored, order), `${table}, windows of ${windowRows}, pages of ${limit}, ${order}`);
              }
            }
          }
        }
        // A page of the small environment's few rows: every window of the key read, to find that the list ends.
        const walk = await watched(store, table, () => list(small, { limit: 10, startingAfter: null }, 10));
        assert.deepEqual(walk.result.data.map((row) => row.id), ids(await storedRows(raw, table, small.environment.id), 'desc'));
        assert.equal(walk.result.hasMore, false);
        assertWindowed(walk, await countRows(raw, table), 10);
        // Another environment's row is no cursor.
        const [theirs] = await storedRows(raw, table, large.environment.id);
        await rejectsWith(list(small, { limit: 2, startingAfter: String(theirs!.id) }, 10), 'validation_error');
      }
    } finally {
      await raw.close();
    }
  });

  it('list holds by status now in windows of the primary key, with the pages one statement gave', async () => {
    const store = await target.open();
    const raw = await openRawDatabase(target);
    try {
      const { small, large } = await pair(store);
      const hold = async (fixture: Fixture, ttlSeconds: number) =>
        String(bodyOf(await createHold(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '1', ttlSeconds }, present: presentHold })).id);
      const end = (fixture: Fixture, holdId: string, kind: 'capture' | 'release') =>
        endHold(fixture.dependencies, { context: fixture.context, holdId, action: { kind }, present: presentHold });
      // The large environment's holds all end; the small one's: one active, one past its expiry (not yet swept), one released.
      for (let index = 0; index < LARGE; index += 1) {
        if (index % SPREAD === 0) {
          const made = await hold(small, [3600, 60, 3600][index / SPREAD]!);
          if (index / SPREAD === 2) await end(small, made, 'release');
        }
        await end(large, await hold(large, 3600), index % 2 === 0 ? 'capture' : 'release');
      }
      for (const fixture of [small, large]) fixture.clock.set(fixture.clock.now() + 120 * SECOND);
      const statusNow = (row: Record<string, unknown>, now: number) => (row.status === 'active' && Number(row.expires_at) <= now ? 'expired' : String(row.status));
      const list = (fixture: Fixture, status: HoldStatus | undefined, page: PageRequest, windowRows?: number) =>
        listHolds(fixture.dependencies, fixture.context, status === undefined ? {} : { status }, page, { windowRows }).then((listed) => listed.page);
      for (const fixture of [small, large]) {
        const stored = await storedRows(raw, 'holds', fixture.environment.id);
        const now = fixture.clock.now();
        for (const status of [undefined, 'active', 'expired', 'released', 'captured'] as const) {
          const matching = stored.filter((row) => status === undefined || statusNow(row, now) === status);
          if (fixture === small) assert.equal(matching.length, status === undefined ? 3 : status === 'captured' ? 0 : 1, `${status}`);
          for (const order of ['asc', 'desc'] as const) {
            for (const windowRows of [1, 5, undefined]) {
              for (const limit of [1, 3]) {
                const listed = await allPages(limit, (page) => list(fixture, status, { ...page, order }, windowRows));
                assert.deepEqual(listed.map((row) => row.id), ids(matching, order), `${status}, windows of ${windowRows}, pages of ${limit}, ${order}`);
                for (const row of listed) assert.equal(row.status, statusNow(stored.find((held) => held.id === row.id)!, now), 'the status now');
              }
            }
          }
        }
      }
      // A status the large environment's holds never have now: every window of the key read, none of it listed.
      const walk = await watched(store, 'holds', () => list(large, 'active', { limit: 10, startingAfter: null }, 10));
      assert.deepEqual(walk.result, { data: [], hasMore: false });
      assertWindowed(walk, await countRows(raw, 'holds'), 10);
      const [theirs] = await storedRows(raw, 'holds', large.environment.id);
      await rejectsWith(list(small, 'active', { limit: 2, startingAfter: String(theirs!.id) }, 10), 'validation_error');
    } finally {
      await raw.close();
    }
  });
});

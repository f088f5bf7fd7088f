import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listDebits } from '../../src/app/debit-reads.ts';
import { createDebit } from '../../src/app/debits.ts';
import { listEvents } from '../../src/app/events.ts';
import { createGrant } from '../../src/app/grants.ts';
import { listLedgerEntries } from '../../src/app/ledger-reads.ts';
import type { Store } from '../../src/store/port.ts';
import { forEachStore } from '../support/stores.ts';
import { allPages, createFixture, presentDebit, presentGrant, rejectsWith, SECOND, T0, walletOf, type Fixture } from './fixtures.ts';
import { watched } from './list-walks.ts';

/**
 * Environment-wide lists whose filter no index serves (ledger entries by type, debits by feature, events by type)
 * read in windows of their order index, a turn of the event loop apart (app/list-windows.ts): a sparse filter
 * costs reads, never one long statement. Each test passes a small window (`windowRows`) and counts what the
 * store was asked, never how long anything took.
 */

const DEBITS = 120;
/** Every RARE-th debit is for feature `rare`; the others for `chat`. A second grant comes halfway. */
const RARE = 37;

/** An environment with two grants and DEBITS debits, most of them `chat`, and another environment's debits interleaved. */
async function sparseEnvironment(store: Store): Promise<Fixture> {
  const fixture = await createFixture(store);
  const other = await createFixture(store);
  const { dependencies, context } = fixture;
  const grant = async (target: Fixture) =>
    createGrant(target.dependencies, { context: target.context, input: { ...walletOf(target), amount: '1000', category: 'paid' }, present: presentGrant });
  await grant(fixture);
  await grant(other);
  for (let index = 0; index < DEBITS; index += 1) {
    if (index === DEBITS / 2) await grant(fixture);
    // Three debits a second: entries that took effect at one time, ordered by ID.
    fixture.clock.set(T0 + Math.floor(index / 3) * SECOND);
    const feature = index % RARE === RARE - 1 ? 'rare' : 'chat';
    await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '1', feature }, present: presentDebit });
    if (index % 10 === 0) await createDebit(other.dependencies, { context: other.context, input: { ...walletOf(other), amount: '1', feature: 'rare' }, present: presentDebit });
  }
  return fixture;
}

forEachStore('environment-wide lists with a filter no index serves', (target) => {
  it('list the ledger by type in windows of its index, each read bounded, a turn apart, with the pages one statement gave', async () => {
    const fixture = await sparseEnvironment(await target.open());
    const { dependencies, context, store } = fixture;
    for (const order of ['asc', 'desc'] as const) {
      const all = await allPages(100, (page) => listLedgerEntries(dependencies, context, {}, { ...page, order }));
      assert.equal(all.length, DEBITS + 2);
      const grants = all.filter((entry) => entry.type === 'grant').map((entry) => entry.id);
      assert.equal(grants.length, 2);
      for (const windowRows of [1, 3, 10, undefined]) {
        for (const limit of [1, 2, 5]) {
          const listed = await allPages(limit, (page) => listLedgerEntries(dependencies, context, { type: 'grant' }, { ...page, order }, { windowRows }));
          assert.deepEqual(listed.map((entry) => entry.id), grants, `windows of ${windowRows}, pages of ${limit}, ${order}`);
        }
      }
      // A time range bounds the walk by key on its near side, and only the walk to a window's far end on the other.
      const at = (second: number) => T0 + second * SECOND;
      for (const effectiveAt of [{ gte: at(10) }, { lt: at(30) }, { gt: at(10), lte: at(30) }, { gte: at(20), lt: at(20) + 1 }, { gt: at(50) }]) {
        const within = (time: number) =>
          (effectiveAt.gte === undefined || time >= effectiveAt.gte) && (effectiveAt.gt === undefined || time > effectiveAt.gt) &&
          (effectiveAt.lt === undefined || time < effectiveAt.lt) && (effectiveAt.lte === undefined || time <= effectiveAt.lte);
        const expected = all.filter((entry) => entry.type === 'debit' && within(entry.effectiveAt)).map((entry) => entry.id);
        for (const windowRows of [1, 4, undefined]) {
          for (const limit of [1, 7]) {
            const listed = await allPages(limit, (page) => listLedgerEntries(dependencies, context, { type: 'debit', effectiveAt }, { ...page, order }, { windowRows }));
            assert.deepEqual(listed.map((entry) => entry.id), expected, `${JSON.stringify(effectiveAt)}, windows of ${windowRows}, pages of ${limit}, ${order}`);
          }
        }
        // A cursor outside the range, on either side.
        for (const cursor of [all[0]!, all.at(-1)!]) {
          const expectedAfter = expected.filter((id) => all.findIndex((entry) => entry.id === id) > 0 && all.findIndex((entry) => entry.id === id) > all.indexOf(cursor));
          const listed = await listLedgerEntries(dependencies, context, { type: 'debit', effectiveAt }, { limit: 200, startingAfter: cursor.id, order }, { windowRows: 4 });
          assert.deepEqual(listed.data.map((entry) => entry.id), expectedAfter, `${JSON.stringify(effectiveAt)} after ${cursor.id}, ${order}`);
        }
      }
      // A filter that matches every entry fills the page from the first window.
      const units = await listLedgerEntries(dependencies, context, { unit: fixture.unit }, { limit: 5, startingAfter: all[3]!.id, order }, { windowRows: 10 });
      assert.deepEqual(units, { data: all.slice(4, 9), hasMore: true });
    }
    // The oldest grant entry is the last of a newest-first walk: every window up to it read, at most 10 entries each.
    const walk = await watched(store, 'ledger', () => listLedgerEntries(dependencies, context, { type: 'grant' }, { limit: 2, startingAfter: null }, { windowRows: 10 }));
    assert.equal(walk.result.data.length, 2);
    assert.equal(walk.result.hasMore, false);
    assert.ok(walk.reads >= Math.ceil((DEBITS + 2) / 10), `reads of the ledger: ${walk.reads}`);
    assert.ok(walk.largest <= 10, `the most rows one read returned: ${walk.largest}`);
    assert.ok(walk.turns >= walk.reads - 2, `turns of the event loop: ${walk.turns} for ${walk.reads} reads`);
    await rejectsWith(listLedgerEntries(dependencies, context, { type: 'grant' }, { limit: 2, startingAfter: 'led_unknown' }, { windowRows: 10 }), 'validation_error');
  });

  it('list debits by feature in windows of the primary key, each read bounded, a turn apart, with the pages one statement gave', async () => {
    const fixture = await sparseEnvironment(await target.open());
    const { dependencies, context, store } = fixture;
    for (const order of ['asc', 'desc'] as const) {
      const all = await allPages(100, (page) => listDebits(dependencies, context, {}, { ...page, order }));
      assert.equal(all.length, DEBITS);
      const rare = all.filter((debit) => debit.feature === 'rare').map((debit) => debit.id);
      assert.equal(rare.length, Math.floor(DEBITS / RARE));
      for (const windowRows of [1, 4, 10, undefined]) {
        for (const limit of [1, 2, 5]) {
          const listed = await allPages(limit, (page) => listDebits(dependencies, context, { feature: 'rare' }, { ...page, order }, { windowRows }));
          assert.deepEqual(listed.map((debit) => debit.id), rare, `windows of ${windowRows}, pages of ${limit}, ${order}`);
        }
      }
    }
    const walk = await watched(store, 'debits', () => listDebits(dependencies, context, { feature: 'rare' }, { limit: 10, startingAfter: null, order: 'asc' }, { windowRows: 10 }));
    assert.equal(walk.result.data.length, Math.floor(DEBITS / RARE));
    assert.equal(walk.result.hasMore, false);
    assert.ok(walk.reads >= Math.ceil(DEBITS / 10), `reads of the debits: ${walk.reads}`);
    assert.ok(walk.largest <= 10, `the most rows one read returned: ${walk.largest}`);
    assert.ok(walk.turns >= walk.reads - 2, `turns of the event loop: ${walk.turns} for ${walk.reads} reads`);
    await rejectsWith(listDebits(dependencies, context, { feature: 'rare' }, { limit: 2, startingAfter: 'dbt_unknown' }, { windowRows: 10 }), 'validation_error');
  });

  it('list events by type in windows of the primary key, each read bounded, a turn apart, with the pages one statement gave', async () => {
    const fixture = await sparseEnvironment(await target.open());
    const { dependencies, context, store } = fixture;
    for (const order of ['asc', 'desc'] as const) {
      const all = await allPages(100, (page) => listEvents(dependencies, context, {}, { ...page, order }));
      assert.ok(all.length > DEBITS, `events: ${all.length}`);
      for (const type of ['grant.created', 'grant.*']) {
        const matching = all.filter((event) => (type.endsWith('.*') ? event.type.startsWith(type.slice(0, -1)) : event.type === type)).map((event) => event.id);
        assert.ok(matching.length >= 2 && matching.length < 10, `${type}: ${matching.length}`);
        for (const windowRows of [1, 6, 10, undefined]) {
          for (const limit of [1, 2, 5]) {
            const listed = await allPages(limit, (page) => listEvents(dependencies, context, { type }, { ...page, order }, { windowRows }));
            assert.deepEqual(listed.map((event) => event.id), matching, `${type}, windows of ${windowRows}, pages of ${limit}, ${order}`);
          }
        }
      }
    }
    const walk = await watched(store, 'events', () => listEvents(dependencies, context, { type: 'grant.created' }, { limit: 5, startingAfter: null }, { windowRows: 10 }));
    assert.equal(walk.result.data.length, 2);
    assert.equal(walk.result.hasMore, false);
    assert.ok(walk.reads >= Math.ceil(DEBITS / 10), `reads of the events: ${walk.reads}`);
    assert.ok(walk.largest <= 10, `the most rows one read returned: ${walk.largest}`);
    assert.ok(walk.turns >= walk.reads - 2, `turns of the event loop: ${walk.turns} for ${walk.reads} reads`);
    await rejectsWith(listEvents(dependencies, context, { type: 'grant.created' }, { limit: 2, startingAfter: 'evt_unknown' }, { windowRows: 10 }), 'validation_error');
  });
});

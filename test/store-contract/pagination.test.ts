import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listCustomers, listUnits, listWallets, createUnit } from '../../src/app/accounts.ts';
import { createDebit } from '../../src/app/debits.ts';
import { listLedgerEntries } from '../../src/app/ledger-reads.ts';
import { changeGrant, createGrant, listGrants } from '../../src/app/grants.ts';
import { sweepDueEvents } from '../../src/app/time-events.ts';
import type { Page, PageRequest } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, bodyOf, createFixture, DAY, HOUR, presentDebit, presentGrant, rejectsWith, T0, walletOf } from './fixtures.ts';

/** Follows `startingAfter` cursors to the end, checking hasMore on every page. */
async function collectPages<T extends { id: string }>(limit: number, fetch: (page: PageRequest) => Promise<Page<T>>): Promise<string[][]> {
  const pages: string[][] = [];
  let startingAfter: string | null = null;
  for (;;) {
    const page: Page<T> = await fetch({ limit, startingAfter });
    pages.push(page.data.map((item) => item.id));
    if (!page.hasMore) return pages;
    assert.equal(page.data.length, limit, 'a page with more after it is full');
    startingAfter = page.data.at(-1)!.id;
  }
}

forEachStore('pagination', (target) => {
  it('lists newest first in full pages and follows cursors to the end', async () => {
    const fixture = await createFixture(await target.open());
    const created = [fixture.customer.id];
    for (let index = 0; index < 6; index += 1) created.push((await addCustomer(fixture, `external-${index}`)).id);
    const newestFirst = [...created].reverse();

    const pages = await collectPages(3, (page) => listCustomers(fixture.dependencies, fixture.context, page));
    assert.deepEqual(pages, [newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);

    const exact = await collectPages(7, (page) => listCustomers(fixture.dependencies, fixture.context, page));
    assert.deepEqual(exact, [newestFirst], 'a page exactly as long as the list says hasMore: false');

    const last = await listCustomers(fixture.dependencies, fixture.context, { limit: 10, startingAfter: created[0]! });
    assert.deepEqual(last, { data: [], hasMore: false });
  });

  it('rejects a cursor that is not an object of the environment', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const other = await createFixture(store);
    const unknown = await rejectsWith(
      listCustomers(fixture.dependencies, fixture.context, { limit: 10, startingAfter: 'cus_00000000000000000000000000' }),
      'validation_error',
    );
    assert.equal(unknown.param, 'startingAfter');
    await rejectsWith(
      listCustomers(fixture.dependencies, fixture.context, { limit: 10, startingAfter: other.customer.id }),
      'validation_error',
    );
    const own = await listCustomers(fixture.dependencies, fixture.context, { limit: 10, startingAfter: null });
    assert.deepEqual(
      own.data.map((customer) => customer.id),
      [fixture.customer.id],
      'another environment’s rows are never listed',
    );
  });

  it('filters grants by wallet and by derived status, with cursors', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context, clock } = fixture;
    const grant = async (input: { walletKey?: string; effectiveAt?: number; expiresAt?: number }) =>
      bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture, input.walletKey), amount: '10', ...input }, present: presentGrant }))
        .id as string;
    const active = await grant({});
    const expiring = await grant({ expiresAt: T0 + HOUR });
    const scheduled = await grant({ effectiveAt: T0 + DAY });
    const voided = await grant({});
    const otherWallet = await grant({ walletKey: 'seat-2' });
    await changeGrant(dependencies, { context, grantId: voided, action: { kind: 'void' }, present: presentGrant });
    clock.set(T0 + 2 * HOUR);

    const ids = async (filters: Parameters<typeof listGrants>[2], limit = 100) =>
      (await collectPages(limit, async (page) => (await listGrants(dependencies, context, filters, page)).page)).flat();
    assert.deepEqual(await ids({ includeVoided: true }), [otherWallet, voided, scheduled, expiring, active]);
    assert.deepEqual(await ids({ includeVoided: true }, 2), [otherWallet, voided, scheduled, expiring, active]);
    assert.deepEqual(await ids({ includeVoided: false }), [otherWallet, scheduled, expiring, active]);
    assert.deepEqual(await ids({ includeVoided: false, walletKey: '' }), [scheduled, expiring, active]);
    assert.deepEqual(await ids({ includeVoided: false, walletKey: 'seat-2', unit: fixture.unit, customerId: fixture.customer.id }), [otherWallet]);
    assert.deepEqual(await ids({ includeVoided: false, status: 'active' }, 1), [otherWallet, active]);
    assert.deepEqual(await ids({ includeVoided: false, status: 'expired' }), [expiring]);
    assert.deepEqual(await ids({ includeVoided: false, status: 'scheduled' }), [scheduled]);
    assert.deepEqual(await ids({ includeVoided: false, status: 'voided' }), [voided]);
    assert.deepEqual(await ids({ includeVoided: false, status: 'payment_pending' }), []);
  });

  it('pages ledger entries, events and wallets with their filters', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context, store } = fixture;
    const first = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '5' }, present: presentGrant }));
    const second = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture, 'b'), amount: '5' }, present: presentGrant }));
    for (let index = 0; index < 3; index += 1) {
      await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '1' }, present: presentDebit });
    }
    const environmentId = context.environment.id;
    const entries = (
      await collectPages(2, (page) => listLedgerEntries(dependencies, context, {}, page))
    ).flat();
    assert.equal(entries.length, 5);
    assert.deepEqual(entries, [...entries].sort().reverse(), 'ledger entries newest first');
    const ofFirst = await listLedgerEntries(dependencies, context, { grantId: first.id }, { limit: 10, startingAfter: null });
    assert.deepEqual(
      ofFirst.data.map((entry) => [entry.type, entry.sequence]),
      [
        ['debit', 4],
        ['debit', 3],
        ['debit', 2],
        ['grant', 1],
      ],
    );
    const ofB = await listLedgerEntries(fixture.dependencies, fixture.context, { customerId: fixture.customer.id, unit: fixture.unit, walletKey: 'b' }, { limit: 10, startingAfter: null });
    assert.deepEqual(
      ofB.data.map((entry) => entry.grantId),
      [second.id],
    );

    const debitEvents = (
      await collectPages(1, (page) => store.read((repository) => repository.events.list(environmentId, { type: 'debit.created' }, page)))
    ).flat();
    assert.equal(debitEvents.length, 3);
    const allEvents = await store.read((repository) => repository.events.list(environmentId, {}, { limit: 100, startingAfter: null }));
    assert.equal(allEvents.data.filter((event) => event.type === 'grant.created').length, 2);
    assert.equal(allEvents.data[0]!.type, 'debit.created');
    assert.equal((allEvents.data[0]!.data as { walletId?: string }).walletId, first.walletId);

    const wallets = (await collectPages(1, (page) => listWallets(dependencies, context, { customerId: fixture.customer.id }, page))).flat();
    assert.deepEqual(wallets, [second.walletId, first.walletId].sort().reverse());
    assert.equal((await listWallets(dependencies, context, { unit: 'nothing' }, { limit: 10, startingAfter: null })).data.length, 0);
  });

  it('lists ledger entries by when they took effect, not by id: an expiry the sweep books late sits where it took effect', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context, store, clock } = fixture;
    const other = await addCustomer(fixture, 'other');
    const expiring = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '5', expiresAt: clock.now() + HOUR }, present: presentGrant }));
    await createGrant(dependencies, { context, input: { customerId: other.id, unit: fixture.unit, amount: '5' }, present: presentGrant });
    clock.set(clock.now() + 2 * HOUR);
    await createDebit(dependencies, { context, input: { customerId: other.id, unit: fixture.unit, amount: '1' }, present: presentDebit });
    assert.ok((await sweepDueEvents(dependencies)) > 0, 'the sweep booked the expiry after the debit');
    const environmentId = context.environment.id;
    const all = await listLedgerEntries(dependencies, context, {}, { limit: 10, startingAfter: null });
    const byEffect = [...all.data].sort((a, b) => b.effectiveAt - a.effectiveAt || (b.id < a.id ? -1 : 1));
    assert.deepEqual(all.data.map((entry) => entry.id), byEffect.map((entry) => entry.id));
    assert.deepEqual(all.data.map((entry) => entry.type), ['debit', 'expiry', 'grant', 'grant']);
    assert.notDeepEqual(all.data.map((entry) => entry.id), all.data.map((entry) => entry.id).sort().reverse(), 'id order differs here');
    for (const [filters, limit] of [[{}, 1], [{ customerId: fixture.customer.id }, 1], [{ grantId: expiring.id }, 1], [{ effectiveAt: { gte: clock.now() - 3 * HOUR } }, 3]] as const) {
      for (const order of ['desc', 'asc'] as const) {
        const pages = await collectPages(limit, (page) => listLedgerEntries(dependencies, context, filters, { ...page, order }));
        const listed = pages.flat();
        const expected = all.data.filter((entry) => !('customerId' in filters) || entry.customerId === filters.customerId).filter((entry) => !('grantId' in filters) || entry.grantId === filters.grantId).map((entry) => entry.id);
        assert.deepEqual(listed, order === 'desc' ? expected : [...expected].reverse(), `${JSON.stringify(filters)} ${order}`);
      }
    }
    await rejectsWith(
      listLedgerEntries(dependencies, context, { grantId: expiring.id }, { limit: 1, startingAfter: all.data[0]!.id }),
      'validation_error',
    );
  });

  it('lists units in code order', async () => {
    const fixture = await createFixture(await target.open());
    for (const code of ['zeta', 'ai_credits', 'a1', 'usd']) await createUnit(fixture.dependencies, fixture.context, { code, scale: 2 });
    assert.deepEqual(
      (await listUnits(fixture.dependencies, fixture.context)).map((unit) => unit.code),
      ['a1', 'ai_credits', 'credits', 'usd', 'zeta'],
    );
  });
});

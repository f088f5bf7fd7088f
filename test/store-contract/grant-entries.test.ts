import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { listCustomerEntries } from '../../src/app/customer-entries.ts';
import { listGrantEntries } from '../../src/app/grant-entries.ts';
import { createGrant } from '../../src/app/grants.ts';
import { listLedgerEntries } from '../../src/app/ledger-reads.ts';
import { verifyAll } from '../../src/app/verify.ts';
import type { LedgerEntryRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { allPages, bodyOf, createFixture, presentDebit, presentGrant, rejectsWith, walletOf, type Fixture } from './fixtures.ts';

/**
 * A grant whose entries are sparse among its wallet's: a promotional grant that
 * pays for feature `chat` takes most debits, and the paid grant only the `export`
 * ones, every fifth. Its entries are read through the wallet, a slice of the
 * sequence at a time (app/grant-entries.ts).
 */
async function sparseGrant(fixture: Fixture): Promise<{ paidId: string; walletEntries: LedgerEntryRecord[] }> {
  const { dependencies, context } = fixture;
  const paid = bodyOf(await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '100', category: 'paid', priority: 90 }, present: presentGrant }));
  await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '100', category: 'promotional', priority: 10, appliesTo: ['chat'] }, present: presentGrant });
  for (let index = 0; index < 24; index += 1) {
    const feature = index % 5 === 4 ? 'export' : 'chat';
    await createDebit(dependencies, { context, input: { ...walletOf(fixture), amount: '1', feature }, present: presentDebit });
  }
  const walletEntries = await allPages(100, (page) => listLedgerEntries(dependencies, context, { customerId: fixture.customer.id }, { ...page, order: 'asc' }));
  return { paidId: paid.id, walletEntries };
}

forEachStore('a grant’s entries, read through its wallet', (target) => {
  it('lists exactly the grant’s entries, in booking order, whatever the slice and page sizes', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    const { paidId, walletEntries } = await sparseGrant(fixture);
    const expected = walletEntries.filter((entry) => entry.grantId === paidId).map((entry) => entry.sequence);
    assert.deepEqual(expected, [1, 7, 12, 17, 22], 'the paid grant’s entry, then one in every five of the wallet’s debits');
    for (const sliceSequences of [1, 2, 5, 6, 7, 64]) {
      for (const limit of [1, 2, 3, 10]) {
        for (const order of ['asc', 'desc'] as const) {
          const listed = await allPages(limit, (page) => listGrantEntries(dependencies, context.environment.id, paidId, {}, { ...page, order }, { sliceSequences }));
          assert.deepEqual(
            listed.map((entry) => entry.sequence),
            order === 'asc' ? expected : [...expected].reverse(),
            `slices of ${sliceSequences}, pages of ${limit}, ${order}`,
          );
        }
      }
    }
    const debitsOnly = await listGrantEntries(dependencies, context.environment.id, paidId, { type: 'debit' }, { limit: 2, startingAfter: null }, { sliceSequences: 3 });
    assert.deepEqual(debitsOnly.data.map((entry) => entry.sequence), [22, 17]);
    assert.equal(debitsOnly.hasMore, true);
  });

  it('gives the event loop a turn between the reads of a long walk', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    const { paidId } = await sparseGrant(fixture);
    let turns = 0;
    let walking = true;
    const tick = () => {
      turns += 1;
      if (walking) setImmediate(tick);
    };
    setImmediate(tick);
    const grantPage = await listGrantEntries(dependencies, context.environment.id, paidId, {}, { limit: 10, startingAfter: null, order: 'asc' }, { sliceSequences: 1 });
    const afterGrant = turns;
    const customerPage = await listCustomerEntries(dependencies, context.environment.id, fixture.customer.id, { type: 'expiry' }, { limit: 10, startingAfter: null }, { sliceSequences: 1 });
    walking = false;
    assert.equal(grantPage.data.length, 5);
    assert.equal(customerPage.data.length, 0);
    // 22 sequences a slice at a time, then the customer's 26 (none of them an expiry): a turn before each read but the first.
    assert.ok(afterGrant >= 21, `turns during the grant's walk: ${afterGrant}`);
    assert.ok(turns - afterGrant >= 25, `turns during the customer's walk: ${turns - afterGrant}`);
  });

  it('keeps every grant’s span what its ledger says, and refuses a cursor of another grant', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    const { paidId, walletEntries } = await sparseGrant(fixture);
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
    const otherEntry = walletEntries.find((entry) => entry.grantId !== paidId)!;
    await rejectsWith(listLedgerEntries(dependencies, context, { grantId: paidId }, { limit: 1, startingAfter: otherEntry.id }), 'validation_error');
    assert.deepEqual(await listLedgerEntries(dependencies, context, { grantId: 'grt_unknown' }, { limit: 5, startingAfter: null }), { data: [], hasMore: false });
  });
});

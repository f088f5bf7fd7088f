import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createUnit } from '../../src/app/accounts.ts';
import { listCustomerDebits } from '../../src/app/customer-debits.ts';
import { createDebit } from '../../src/app/debits.ts';
import { listDebits } from '../../src/app/debit-reads.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { createIdFactory } from '../../src/app/ids.ts';
import { verifyAll } from '../../src/app/verify.ts';
import type { DebitRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, allPages, bodyOf, createFixture, onStore, presentDebit, presentGrant, presentHold, type Fixture } from './fixtures.ts';
import { CUSTOMER_WALLETS, sometimes } from './customer-walks.ts';

type Step =
  | { kind: 'grant'; wallet: number; credits: number }
  /** `onInsufficient: partial`: on an empty wallet it takes nothing and books no entry. */
  | { kind: 'debit'; wallet: number; credits: number; feature: boolean }
  | { kind: 'capture'; wallet: number; credits: number }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('grant' as const), wallet: fc.nat(2), credits: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('debit' as const), wallet: fc.nat(2), credits: fc.integer({ min: 1, max: 5 }), feature: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('capture' as const), wallet: fc.nat(2), credits: fc.integer({ min: 1, max: 3 }) }) },
  // Mostly no time at all: debits of several wallets in one millisecond.
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 })) }),
);

/** Plays the steps for one customer; returns the holds its captures ended. */
async function play(fixture: Fixture, customerId: string, steps: Step[]): Promise<string[]> {
  const { dependencies, context, clock } = fixture;
  const holds: string[] = [];
  for (const current of steps) {
    if (current.kind === 'wait') {
      clock.set(clock.now() + current.ms);
      continue;
    }
    const address = { customerId, ...CUSTOMER_WALLETS[current.wallet]! };
    const amount = String(current.credits);
    if (current.kind === 'grant') {
      await createGrant(dependencies, { context, input: { ...address, amount }, present: presentGrant });
    } else if (current.kind === 'debit') {
      await createDebit(dependencies, { context, input: { ...address, amount, onInsufficient: 'partial', ...(current.feature ? { feature: 'chat' } : {}) }, present: presentDebit });
    } else {
      await createGrant(dependencies, { context, input: { ...address, amount }, present: presentGrant });
      const hold = bodyOf(await createHold(dependencies, { context, input: { ...address, amount }, present: presentHold }));
      await endHold(dependencies, { context, holdId: hold.id, action: { kind: 'capture' }, present: presentHold });
      holds.push(hold.id);
    }
  }
  return holds;
}

/** The reference: every debit of the environment, read in one plain walk of the table, filtered and sorted here. */
async function referenceDebits(fixture: Fixture): Promise<DebitRecord[]> {
  return allPages(500, (page) => listDebits(fixture.dependencies, fixture.context, {}, { ...page, order: 'asc' }));
}

/**
 * A customer's debits, read through its wallets (customer-debits.ts), against a reference read of the whole
 * environment: for random histories over three wallets (debits that take nothing and book no entry, captures,
 * several wallets' debits in one millisecond), every filter, order, page size and slice size lists exactly the
 * reference's debits in ID order, and verify finds nothing wrong.
 */
forEachStore('a customer’s debits through its wallets (property)', (target) => {
  it('lists what a scan of the environment finds, in ID order, whatever the page and slice', async () => {
    const store = await target.open();
    const seen = { unbooked: 0, filteredAway: 0, pagedMany: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 8, maxLength: 30 }),
        fc.record({
          order: fc.constantFrom('asc' as const, 'desc' as const),
          limit: fc.integer({ min: 1, max: 4 }),
          sliceSequences: fc.integer({ min: 1, max: 7 }),
          wallet: sometimes(fc.nat(2)),
          feature: fc.boolean(),
          hold: sometimes(fc.nat()),
        }),
        async (steps, view) => {
          const fixture = await createFixture(store);
          await createUnit(fixture.dependencies, fixture.context, { code: 'tokens', scale: 10 });
          const other = await addCustomer(fixture, 'other');
          await play(fixture, other.id, steps.slice(0, 4));
          const holds = await play(fixture, fixture.customer.id, steps);
          await play(fixture, other.id, steps.slice(4, 8));
          const all = (await referenceDebits(fixture)).filter((debit) => debit.customerId === fixture.customer.id);
          const wallet = view.wallet === null ? undefined : CUSTOMER_WALLETS[view.wallet]!;
          const holdId = view.hold === null || holds.length === 0 ? undefined : holds[view.hold % holds.length]!;
          const filters = { ...(wallet ? { unit: wallet.unit, walletKey: wallet.walletKey } : {}), ...(view.feature ? { feature: 'chat' } : {}), ...(holdId ? { holdId } : {}) };
          const expected = all
            .filter((debit) => wallet === undefined || (debit.unit === wallet.unit && debit.walletKey === wallet.walletKey))
            .filter((debit) => !view.feature || debit.feature === 'chat')
            .filter((debit) => holdId === undefined || debit.holdId === holdId);
          if (all.some((debit) => debit.consumed === 0n && debit.overdrawn === 0n)) seen.unbooked += 1;
          if (expected.length < all.length) seen.filteredAway += 1;
          if (expected.length > 2 * view.limit) seen.pagedMany += 1;
          const listed = await allPages(view.limit, (page) =>
            listCustomerDebits(fixture.dependencies, fixture.environment.id, fixture.customer.id, filters, { ...page, order: view.order }, { sliceSequences: view.sliceSequences }),
          );
          const ids = (debits: DebitRecord[]) => debits.map((debit) => debit.id);
          assert.deepEqual(ids(listed), ids(view.order === 'asc' ? expected : [...expected].reverse()));
          assert.deepEqual(listed, view.order === 'asc' ? expected : [...expected].reverse(), 'whole records, as the table stores them');
          assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
        },
      ),
      { numRuns: 25 },
    );
    assert.ok(seen.unbooked > 0, `some histories had debits that took nothing: ${JSON.stringify(seen)}`);
    assert.ok(seen.filteredAway > 0, `some views left debits out: ${JSON.stringify(seen)}`);
    assert.ok(seen.pagedMany >= 2, `views took several pages: ${JSON.stringify(seen)}`);
  });

  it('starts after any debit of the environment, and refuses a cursor that is none', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const other = await addCustomer(fixture, 'other');
    await play(fixture, fixture.customer.id, [{ kind: 'grant', wallet: 0, credits: 5 }, ...[1, 2, 3].map(() => ({ kind: 'debit' as const, wallet: 0, credits: 1, feature: false }))]);
    await play(fixture, other.id, [{ kind: 'debit', wallet: 0, credits: 1, feature: false }]);
    await play(fixture, fixture.customer.id, [{ kind: 'debit', wallet: 0, credits: 1, feature: false }]);
    const all = await referenceDebits(fixture);
    const othersDebit = all.find((debit) => debit.customerId === other.id)!;
    const mine = all.filter((debit) => debit.customerId === fixture.customer.id).map((debit) => debit.id);
    const list = (startingAfter: string | null, order: 'asc' | 'desc') =>
      listCustomerDebits(fixture.dependencies, fixture.environment.id, fixture.customer.id, {}, { limit: 10, startingAfter, order });
    // Another customer's debit is a position in time like any other (as `startingAfter` is on the environment's list).
    assert.deepEqual((await list(othersDebit.id, 'desc')).data.map((debit) => debit.id), mine.filter((id) => id < othersDebit.id).reverse());
    assert.deepEqual((await list(othersDebit.id, 'asc')).data.map((debit) => debit.id), mine.filter((id) => id > othersDebit.id));
    await assert.rejects(list('dbt_00000000000000000000000000', 'desc'), (error: { code?: string; param?: string }) => error.code === 'validation_error' && error.param === 'startingAfter');
  });

  it('gives a wallet’s debits IDs in the order they book, when another node’s clock is a minute behind', async () => {
    const fixture = await createFixture(await target.open());
    const lagging = onStore(fixture, await target.open());
    // The other node's IDs come from a clock a minute slow: fresh, they sort below every ID this node makes.
    lagging.dependencies = Object.assign({}, lagging.dependencies, { newId: createIdFactory(() => Date.now() - 60_000) });
    const nodes = [fixture, lagging];
    const wallet = { customerId: fixture.customer.id, unit: fixture.unit };
    await createGrant(fixture.dependencies, { context: fixture.context, input: { ...wallet, amount: '100' }, present: presentGrant });
    const booked: string[] = [];
    for (let index = 0; index < 8; index += 1) {
      const node = nodes[index % 2]!;
      // Every third takes nothing (more than is left on a partial debit is fine; zero is refused), so books no entry.
      const debit = bodyOf(await createDebit(node.dependencies, { context: node.context, input: { ...wallet, amount: index % 3 === 2 ? '1000' : '1', onInsufficient: 'partial' }, present: presentDebit }));
      booked.push(debit.id);
    }
    assert.deepEqual([...booked].sort(), booked, 'IDs rise in booking order on both nodes');
    const listed = await allPages(3, (page) => listCustomerDebits(fixture.dependencies, fixture.environment.id, fixture.customer.id, {}, { ...page, order: 'asc' }));
    assert.deepEqual(listed.map((debit) => debit.id), booked);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

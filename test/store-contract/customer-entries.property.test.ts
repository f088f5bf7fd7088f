import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createUnit } from '../../src/app/accounts.ts';
import { listCustomerEntries, pageCustomerEntriesByEffectiveTime } from '../../src/app/customer-entries.ts';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { sweepDueEvents } from '../../src/app/time-events.ts';
import type { LedgerEntryRecord } from '../../src/store/records.ts';
import type { TimeRange } from '../../src/store/repository/pagination.ts';
import { forEachStore } from '../support/stores.ts';
import { addCustomer, allPages, createFixture, presentDebit, presentGrant, type Fixture } from './fixtures.ts';
import { CUSTOMER_WALLETS, sometimes } from './customer-walks.ts';

type Step =
  | { kind: 'grant'; wallet: number; credits: number; expiresInMs: number | null }
  | { kind: 'debit'; wallet: number; credits: number }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('grant' as const), wallet: fc.nat(2), credits: fc.integer({ min: 5, max: 20 }), expiresInMs: fc.option(fc.integer({ min: 1, max: 5_000 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('debit' as const), wallet: fc.nat(2), credits: fc.integer({ min: 1, max: 6 }) }) },
  // Often no time at all: entries of several wallets then take effect in the same millisecond.
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_000 })) }),
);

/** A history with entries of all three wallets in one millisecond, then a debit of each every second. */
const EXAMPLE_HISTORY: Step[] = [
  ...[0, 1, 2].map((wallet) => ({ kind: 'grant' as const, wallet, credits: 20, expiresInMs: null })),
  ...[0, 1, 2].flatMap((wallet) => [{ kind: 'debit' as const, wallet, credits: 2 }, { kind: 'wait' as const, ms: 1_000 }]),
  ...[0, 1, 2].map((wallet) => ({ kind: 'debit' as const, wallet, credits: 1 })),
];
const EXAMPLE_VIEW = { order: 'asc' as 'asc' | 'desc', limit: 1, sliceSequences: 2, wallet: null, type: null as 'grant' | 'debit' | 'expiry' | null, from: null, span: null };

async function play(fixture: Fixture, customerId: string, steps: Step[]): Promise<void> {
  const { dependencies, context, clock } = fixture;
  for (const current of steps) {
    const address = { customerId, ...CUSTOMER_WALLETS[current.kind === 'wait' ? 0 : current.wallet]! };
    if (current.kind === 'grant') {
      const expiresAt = current.expiresInMs === null ? {} : { expiresAt: clock.now() + current.expiresInMs };
      await createGrant(dependencies, { context, input: { ...address, amount: String(current.credits), ...expiresAt }, present: presentGrant });
    } else if (current.kind === 'debit') {
      await createDebit(dependencies, { context, input: { ...address, amount: String(current.credits), onInsufficient: 'partial' }, present: presentDebit });
    } else {
      clock.set(clock.now() + current.ms);
      // Expiries are booked by the sweep, after they fell due, at the instant they took effect.
      await sweepDueEvents(dependencies);
    }
  }
}

/** The reference: every entry of the environment, read in one plain query, filtered and sorted here. */
async function referenceEntries(fixture: Fixture): Promise<LedgerEntryRecord[]> {
  const environmentId = fixture.context.environment.id;
  return allPages(500, (page) => fixture.store.read((repository) => repository.ledger.list(environmentId, {}, { ...page, order: 'asc' })));
}

function inRange(at: number, range: TimeRange): boolean {
  return (range.gte === undefined || at >= range.gte) && (range.gt === undefined || at > range.gt) && (range.lte === undefined || at <= range.lte) && (range.lt === undefined || at < range.lt);
}

const byKey = (left: LedgerEntryRecord, right: LedgerEntryRecord) =>
  left.effectiveAt - right.effectiveAt || (left.walletId < right.walletId ? -1 : left.walletId > right.walletId ? 1 : left.sequence - right.sequence);

/**
 * A customer's ledger, read through its wallets (customer-entries.ts), against
 * a reference read of the whole environment: for random histories over three
 * wallets (ties in one millisecond across wallets, expiries booked late), every
 * filter, order, page size and slice size lists exactly the reference's entries
 * in `(effectiveAt, walletId, sequence)` order, and the export walk does too.
 */
forEachStore('a customer’s ledger through its wallets (property)', (target) => {
  it('lists what a scan of the environment finds, in order, whatever the page and slice', async () => {
    const store = await target.open();
    const seen = { ties: 0, filteredAway: 0, pagedMany: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 40 }),
        fc.record({
          order: fc.constantFrom('asc' as const, 'desc' as const),
          limit: fc.integer({ min: 1, max: 4 }),
          sliceSequences: fc.integer({ min: 1, max: 9 }),
          wallet: sometimes(fc.nat(2)),
          type: sometimes(fc.constantFrom('grant' as const, 'debit' as const, 'expiry' as const)),
          // Picks among the history's own instants, so a range cuts through it.
          from: sometimes(fc.nat()),
          span: sometimes(fc.nat()),
        }),
        async (steps, view) => {
          const fixture = await createFixture(store);
          await createUnit(fixture.dependencies, fixture.context, { code: 'tokens', scale: 10 });
          const other = await addCustomer(fixture, 'other');
          await play(fixture, other.id, steps.slice(0, 3));
          await play(fixture, fixture.customer.id, steps);
          const all = (await referenceEntries(fixture)).filter((entry) => entry.customerId === fixture.customer.id);
          const instants = [...new Set(all.map((entry) => entry.effectiveAt))].sort((left, right) => left - right);
          const instant = (pick: number) => instants[pick % Math.max(1, instants.length)] ?? 0;
          const effectiveAt: TimeRange | undefined =
            view.from === null ? undefined : view.span === null ? { gt: instant(view.from) } : { gte: instant(view.from), lte: instant(view.from + view.span) };
          const wallet = view.wallet === null ? undefined : CUSTOMER_WALLETS[view.wallet]!;
          const address = wallet === undefined ? {} : { unit: wallet.unit, walletKey: wallet.walletKey };
          const expected = all
            .filter((entry) => wallet === undefined || (entry.unit === wallet.unit && entry.walletKey === wallet.walletKey))
            .filter((entry) => view.type === null || entry.type === view.type)
            .filter((entry) => effectiveAt === undefined || inRange(entry.effectiveAt, effectiveAt))
            .sort(byKey);
          if (expected.length < all.length) seen.filteredAway += 1;
          if (expected.length > 2 * view.limit) seen.pagedMany += 1;
          if (all.some((entry, index) => all.some((other, at) => at !== index && other.walletId !== entry.walletId && other.effectiveAt === entry.effectiveAt))) seen.ties += 1;
          const filters = { ...address, ...(view.type === null ? {} : { type: view.type }), ...(effectiveAt === undefined ? {} : { effectiveAt }) };
          const listed = await allPages(view.limit, (page) =>
            listCustomerEntries(fixture.dependencies, fixture.context.environment.id, fixture.customer.id, filters, { ...page, order: view.order }, { sliceSequences: view.sliceSequences }),
          );
          const ids = (entries: LedgerEntryRecord[]) => entries.map((entry) => `${entry.walletId}#${entry.sequence}`);
          assert.deepEqual(ids(listed), ids(view.order === 'asc' ? expected : [...expected].reverse()));

          // The export's walk: [from, to) of one customer (and unit), oldest first, a page at a time.
          const from = view.from === null ? 0 : instant(view.from);
          const to = view.span === null ? Number.MAX_SAFE_INTEGER : instant(view.from ?? 0) + view.span % 5_000;
          const exported: LedgerEntryRecord[] = [];
          for (let after: { at: number; id: string } | null = null; ; ) {
            const page = await pageCustomerEntriesByEffectiveTime(fixture.dependencies, {
              environmentId: fixture.context.environment.id,
              customerId: fixture.customer.id,
              unit: wallet?.unit,
              from,
              to,
              after,
              limit: view.limit,
            });
            exported.push(...page);
            if (page.length < view.limit) break;
            assert.ok(exported.length <= 10_000 && page.at(-1)!.id !== after?.id, 'every export page moves past its cursor');
            after = { at: page.at(-1)!.effectiveAt, id: page.at(-1)!.id };
          }
          const exportExpected = all
            .filter((entry) => wallet === undefined || entry.unit === wallet.unit)
            .filter((entry) => entry.effectiveAt >= from && entry.effectiveAt < to)
            .sort(byKey);
          assert.deepEqual(ids(exported), ids(exportExpected));
        },
      ),
      // Random views page many times in about one run of five; these two always do (and tie across wallets), so the
      // counts below never depend on the draw.
      { numRuns: 25, examples: [[EXAMPLE_HISTORY, EXAMPLE_VIEW], [EXAMPLE_HISTORY, { ...EXAMPLE_VIEW, order: 'desc', type: 'debit' }]] },
    );
    assert.ok(seen.ties > 0, `some histories had entries of two wallets in one millisecond: ${JSON.stringify(seen)}`);
    assert.ok(seen.filteredAway > 0, `some views left entries out: ${JSON.stringify(seen)}`);
    assert.ok(seen.pagedMany >= 2, `views took several pages: ${JSON.stringify(seen)}`);
  });
});

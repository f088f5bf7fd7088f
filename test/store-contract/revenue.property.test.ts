import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { createPurchase } from '../../src/app/purchases.ts';
import { completePurchase } from '../../src/app/purchases-transitions.ts';
import { refundPurchase } from '../../src/app/refunds.ts';
import { revenueReport, type RevenueReport } from '../../src/app/revenue-report.ts';
import { sweepDueEvents } from '../../src/app/time-events.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { amountFromDecimalString } from '../../src/domain/amount.ts';
import { CreditbookError } from '../../src/domain/errors.ts';
import { referenceMoney } from '../../src/domain/revenue-reference-model.ts';
import type { GrantRevenue } from '../../src/domain/revenue-report.ts';
import type { PurchaseRecord } from '../../src/store/payment-records.ts';
import { forEachStore } from '../support/stores.ts';
import { createFixture, HOUR, presentDebit, presentGrant, presentHold, walletOf, type Fixture } from './fixtures.ts';

/** One step of a random history of a wallet. */
type Step =
  | { kind: 'buy'; credits: number; cents: number; expiresInHours: number | null; effectiveInHours: number | null }
  | { kind: 'paid_grant'; credits: number; cents: number; effectiveInHours: number | null }
  | { kind: 'promotional'; credits: number }
  | { kind: 'debit'; hundredths: number }
  | { kind: 'hold'; hundredths: number; capture: boolean }
  | { kind: 'void'; pick: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'refund'; pick: number; hundredths: number | null }
  | { kind: 'wait'; hours: number };

/** Sometimes the credits start later: their money is deferred from when it was booked. */
// One grant in four starts later (refunds wait for it): enough to cover it, few enough that most histories still refund.
const effectiveInHours = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) });
// Purchases and refunds weigh more, so most histories refund something (the coverage floor below).
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('buy' as const), credits: fc.integer({ min: 1, max: 500 }), cents: fc.integer({ min: 50, max: 99_999 }), expiresInHours: fc.option(fc.integer({ min: 1, max: 30 })), effectiveInHours }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('paid_grant' as const), credits: fc.integer({ min: 1, max: 300 }), cents: fc.integer({ min: 0, max: 50_000 }), effectiveInHours }),
  fc.record({ kind: fc.constant('promotional' as const), credits: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('debit' as const), hundredths: fc.integer({ min: 1, max: 30_000 }) }),
  fc.record({ kind: fc.constant('hold' as const), hundredths: fc.integer({ min: 1, max: 10_000 }), capture: fc.boolean() }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }),
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), hundredths: fc.option(fc.integer({ min: 1, max: 20_000 })) }), weight: 3 },
  fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 12 }) }),
);

const toCredits = (hundredths: number) => (hundredths / 100).toFixed(2);

/** Runs `work`, letting the refusals a random history meets (not enough credit, nothing to refund, a voided grant) pass. */
async function tolerated(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof CreditbookError) || !['insufficient_balance', 'state_conflict'].includes(error.code)) throw error;
  }
}

const effectiveAtOf = (fixture: Fixture, hours: number | null) => (hours === null ? {} : { effectiveAt: fixture.clock.now() + hours * HOUR });

/** What a history paid, independent of the ledger: each paid grant's price in cents and when its payment was booked. */
interface Payment {
  grantId: string;
  cents: bigint;
  bookedAt: number;
}

async function play(fixture: Fixture, steps: Step[]): Promise<{ purchases: PurchaseRecord[]; payments: Payment[]; times: number[] }> {
  const { dependencies, context } = fixture;
  const wallet = walletOf(fixture);
  const purchases: PurchaseRecord[] = [];
  const payments: Payment[] = [];
  const grantIds: string[] = [];
  const times = [fixture.clock.now()];
  for (const current of steps) {
    switch (current.kind) {
      case 'buy': {
        const effectiveAt = fixture.clock.now() + (current.effectiveInHours ?? 0) * HOUR;
        const expiresAt = current.expiresInHours === null ? null : effectiveAt + current.expiresInHours * HOUR;
        const outcome = await createPurchase(dependencies, {
          context,
          input: { ...wallet, amount: String(current.credits), price: (current.cents / 100).toFixed(2), expiresAt, ...effectiveAtOf(fixture, current.effectiveInHours) },
          present: ({ purchase }) => ({ status: 201, body: purchase }),
        });
        const paid = await completePurchase(dependencies, { purchase: outcome.body as PurchaseRecord, paymentReference: 'pay_property' });
        purchases.push(paid.purchase);
        grantIds.push(paid.purchase.grantId);
        payments.push({ grantId: paid.purchase.grantId, cents: BigInt(current.cents), bookedAt: fixture.clock.now() });
        break;
      }
      case 'paid_grant':
      case 'promotional': {
        const cost = current.kind === 'paid_grant' ? { amount: (current.cents / 100).toFixed(2), currency: 'usd' } : null;
        const outcome = await createGrant(dependencies, {
          context,
          input: {
            ...wallet,
            amount: String(current.credits),
            category: current.kind === 'paid_grant' ? 'paid' : 'promotional',
            cost,
            ...(current.kind === 'paid_grant' ? effectiveAtOf(fixture, current.effectiveInHours) : {}),
          },
          present: presentGrant,
        });
        const grantId = (outcome.body as { id: string }).id;
        grantIds.push(grantId);
        if (current.kind === 'paid_grant') payments.push({ grantId, cents: BigInt(current.cents), bookedAt: fixture.clock.now() });
        break;
      }
      case 'debit':
        await tolerated(() => createDebit(dependencies, { context, input: { ...wallet, amount: toCredits(current.hundredths), onInsufficient: 'partial' }, present: presentDebit }));
        break;
      case 'hold':
        await tolerated(async () => {
          const outcome = await createHold(dependencies, { context, input: { ...wallet, amount: toCredits(current.hundredths) }, present: presentHold });
          const holdId = (outcome.body as { id: string }).id;
          await endHold(dependencies, { context, holdId, action: current.capture ? { kind: 'capture' } : { kind: 'release' }, present: presentHold });
        });
        break;
      case 'void':
      case 'expire':
        if (grantIds.length > 0) {
          const grantId = grantIds[current.pick % grantIds.length]!;
          await tolerated(() => changeGrant(dependencies, { context, grantId, action: { kind: current.kind }, present: presentGrant }));
        }
        break;
      case 'refund':
        if (purchases.length > 0) {
          const purchase = purchases[current.pick % purchases.length]!;
          await tolerated(() => refundPurchase(dependencies, { context, purchaseId: purchase.id, ...(current.hundredths === null ? {} : { amount: toCredits(current.hundredths) }) }));
        }
        break;
      case 'wait':
        fixture.clock.set(fixture.clock.now() + current.hours * HOUR);
        await sweepDueEvents(dependencies);
        times.push(fixture.clock.now());
        break;
    }
  }
  fixture.clock.set(fixture.clock.now() + HOUR);
  await sweepDueEvents(dependencies);
  // The last period ends just after the last booking, so it holds everything the projections show.
  fixture.clock.set(fixture.clock.now() + 1);
  times.push(fixture.clock.now());
  return { purchases, payments, times };
}

function assertIdentity(report: RevenueReport): void {
  const parts: Array<{ name: string; revenue: GrantRevenue }> = [{ name: 'summary', revenue: report.summary }, ...report.grants.data.map((row) => ({ name: row.grant.id, revenue: row.revenue }))];
  for (const { name, revenue } of parts) {
    for (const field of ['credits', 'money'] as const) {
      const { opening, paid, recognised, breakage, refunded, closing } = revenue;
      assert.equal(opening[field] + paid[field] - recognised[field] - breakage[field] - refunded[field], closing[field], `${name}: the identity in ${field}`);
    }
  }
}

/**
 * The revenue report over random histories (purchases and paid grants with a
 * cost, some starting later, promotional grants, debits, holds, voids, expiries, refunds, time passing),
 * on every store: for random periods the identity holds exactly in money and
 * credits, adjacent periods chain, every paid grant's parts add up to its price,
 * its deferred money is the reference model's, and the refunds reported are the
 * credit notes' money.
 */
forEachStore('revenue report (property)', (target) => {
  it('ties out for every period of random histories', async () => {
    const store = await target.open();
    // How many histories reached each kind of movement: a property that never met a refund would prove little.
    const seen = { recognised: 0, breakage: 0, refunded: 0, periods: 0, startsLater: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 25 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), async (steps, cutPicks) => {
        const fixture = await createFixture(store, { scale: 2 });
        const { purchases, payments, times } = await play(fixture, steps);
        const start = times[0]! - 1;
        const end = times[times.length - 1]!;
        const cuts = [...new Set(cutPicks.map((pick) => times[pick % times.length]!))].filter((time) => time > start && time < end);
        const boundaries = [start, ...cuts.sort((a, b) => a - b), end];
        const query = { currency: 'usd', customerId: fixture.customer.id, limit: 100, startingAfter: null };
        let previous: RevenueReport | undefined;
        for (let index = 0; index + 1 < boundaries.length; index++) {
          const report = await revenueReport(fixture.dependencies, fixture.context, { ...query, from: boundaries[index]!, to: boundaries[index + 1]! });
          assertIdentity(report);
          const from = boundaries[index]!;
          const to = boundaries[index + 1]!;
          const paidWithin = payments.filter((payment) => payment.bookedAt >= from && payment.bookedAt < to).reduce((sum, payment) => sum + payment.cents, 0n);
          assert.equal(report.summary.paid.money, paidWithin, 'paid in a period: the prices of the payments booked in it, whenever their credits start');
          if (previous) assert.deepEqual(report.summary.opening, previous.summary.closing, 'adjacent periods chain');
          previous = report;
        }
        const whole = await revenueReport(fixture.dependencies, fixture.context, { ...query, from: start, to: end });
        // Read in tiny steps (2 grants, 3 sequences of a wallet per read), the walk answers the same.
        assert.deepEqual(await revenueReport(fixture.dependencies, fixture.context, { ...query, from: start, to: end }, { grantsPerRead: 2, sequencesPerRead: 3 }), whole);
        for (const key of ['recognised', 'breakage', 'refunded'] as const) if (whole.summary[key].money > 0n) seen[key] += 1;
        if (boundaries.length > 2) seen.periods += 1;
        if (whole.grants.data.some((row) => row.grant.activatedAt === null || row.grant.activatedAt > row.grant.createdAt)) seen.startsLater += 1;
        assertIdentity(whole);
        assert.equal(whole.grants.hasMore, false);
        assert.deepEqual(whole.grants.data.map((row) => row.grant.id).sort(), payments.map((payment) => payment.grantId).sort(), 'every paid grant has a row');
        const grants = await fixture.store.read((repository) => repository.grants.list(fixture.environment.id, { customerId: fixture.customer.id, includeVoided: true }, { limit: 100, startingAfter: null }));
        for (const row of whole.grants.data) {
          const { opening, paid, recognised, breakage, refunded, closing } = row.revenue;
          assert.equal(opening.money, 0n);
          assert.equal(paid.money, row.price);
          assert.equal(recognised.money + breakage.money + refunded.money + closing.money, row.price, `grant ${row.grant.id}: its parts add up to its price`);
          // Independent of the ledger walk: the grant's projection now, through the reference model.
          const grant = grants.data.find((candidate) => candidate.id === row.grant.id)!;
          const left = grant.consumed + grant.expired + grant.voided;
          assert.equal(closing.money, row.price - referenceMoney(row.price, row.credits, left), `grant ${row.grant.id}: deferred money`);
          assert.equal(closing.credits, grant.available + grant.held);
        }
        const notes = await fixture.store.read((repository) => repository.creditNotes.list(fixture.environment.id, {}, { limit: 100, startingAfter: null }));
        assert.equal(whole.summary.refunded.money, notes.data.reduce((sum, note) => sum + note.amountMinor, 0n), 'refunds reported = money of the credit notes');
        assert.equal(whole.summary.refunded.credits, notes.data.reduce((sum, note) => sum + note.credits, 0n));
        assert.ok(purchases.every((purchase) => purchase.status === 'paid'));
        assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
      }),
      { numRuns: 50 },
    );
    for (const [kind, count] of Object.entries(seen)) assert.ok(count >= 2, `only ${count} histories had ${kind}: ${JSON.stringify(seen)}`);
  });
});

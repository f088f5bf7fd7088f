import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { balanceSteadyUntil, computeBalance } from './balance.ts';
import { credits, HOUR, T0, WalletDriver } from './test-builders.ts';
import type { WalletSnapshot } from './types.ts';

/*
 * balanceSteadyUntil promises that a balance computed at `from` is what computeBalance answers at
 * every instant before `until`, `at` aside. It is checked against computeBalance itself, at instants
 * spread over the window and right before its end, on wallets a random history left: grants that
 * start later, expire, await payment, reset with the usage period or are voided; debits and holds.
 */

const MINUTE = 60_000;

type Step =
  | { kind: 'grant'; units: number; startsInMinutes: number; lifetimeMinutes: number | null; pending: boolean; resets: boolean }
  | { kind: 'debit'; units: number }
  | { kind: 'hold'; units: number; expiresInMinutes: number }
  | { kind: 'void'; pick: number }
  | { kind: 'period'; period: 'PT1H' | 'P1D' | null }
  | { kind: 'wait'; minutes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    units: fc.integer({ min: 1, max: 50 }),
    startsInMinutes: fc.integer({ min: -120, max: 180 }),
    lifetimeMinutes: fc.option(fc.integer({ min: 1, max: 600 }), { nil: null }),
    pending: fc.boolean(),
    resets: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('debit' as const), units: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('hold' as const), units: fc.integer({ min: 1, max: 10 }), expiresInMinutes: fc.integer({ min: 1, max: 240 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('period' as const), period: fc.constantFrom('PT1H' as const, 'P1D' as const, null) }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 0, max: 300 }) }),
);

/** The snapshot a history leaves, and the instant its last step ran at. */
function walletAfter(steps: Step[]): { snapshot: WalletSnapshot; now: number } {
  const driver = new WalletDriver();
  let now = T0;
  steps.forEach((item, index) => {
    // A step the engine refuses (nothing to hold, a grant already voided) leaves the wallet as it was.
    try {
      if (item.kind === 'wait') now += item.minutes * MINUTE;
      else if (item.kind === 'grant') {
        driver.at(now, (transaction) =>
          transaction.addGrant({
            id: `grant_${index}`,
            amount: credits(item.units),
            category: index % 2 === 0 ? 'paid' : 'promotional',
            priority: 10 + (index % 3),
            effectiveAt: now + item.startsInMinutes * MINUTE,
            expiresAt: item.lifetimeMinutes === null ? null : now + Math.max(item.startsInMinutes, 0) * MINUTE + item.lifetimeMinutes * MINUTE,
            appliesTo: [],
            paymentPending: item.pending,
            resetMaxRollover: item.resets ? credits(1) : null,
          }),
        );
      } else if (item.kind === 'debit') driver.at(now, (transaction) => transaction.debit({ debitId: `debit_${index}`, amount: credits(item.units), feature: null, policy: 'partial' }));
      else if (item.kind === 'hold') driver.at(now, (transaction) => transaction.placeHold({ holdId: `hold_${index}`, amount: credits(item.units), feature: null, expiresAt: now + item.expiresInMinutes * MINUTE }));
      else if (item.kind === 'void') {
        const grants = driver.snapshot.grants.filter((grant) => grant.voidedAt === null);
        if (grants.length > 0) driver.at(now, (transaction) => transaction.voidGrant(grants[item.pick % grants.length]!.id));
      } else driver.at(now, (transaction) => transaction.setUsagePeriod(item.period === null ? null : { period: item.period, anchor: T0 }));
    } catch {
      // refused: nothing changed
    }
  });
  return { snapshot: driver.snapshot, now };
}

describe('balanceSteadyUntil', () => {
  it('a balance computed at `from` is computeBalance at every instant before `until`, `at` aside', () => {
    let steadyWindows = 0;
    let bounded = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 14 }), fc.integer({ min: 0, max: 240 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }), (steps, laterMinutes, fractions) => {
        const { snapshot, now } = walletAfter(steps);
        const from = now + laterMinutes * MINUTE;
        const until = balanceSteadyUntil(snapshot, from);
        if (until !== null) assert.ok(until >= from, 'until is never before from');
        if (until === from) return;
        steadyWindows += 1;
        if (until !== null) bounded += 1;
        const computed = computeBalance(snapshot, from);
        const end = until ?? from + 48 * HOUR;
        const instants = [...fractions.map((fraction) => from + Math.floor(fraction * (end - from - 1))), end - 1];
        for (const at of instants) assert.deepEqual(computeBalance(snapshot, at), Object.assign({}, computed, { at }), `at ${at - from} ms after from (until ${end - from})`);
      }),
      { numRuns: 400 },
    );
    // The property says something only if most windows are not empty, and some end.
    assert.ok(steadyWindows > 200, `steady windows: ${steadyWindows}`);
    assert.ok(bounded > 50, `windows with an end: ${bounded}`);
  });

  it('ends the window where the balance changes, not later: at `until` it differs', () => {
    let ends = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 14 }), fc.integer({ min: 0, max: 240 }), (steps, laterMinutes) => {
        const { snapshot, now } = walletAfter(steps);
        const from = now + laterMinutes * MINUTE;
        const until = balanceSteadyUntil(snapshot, from);
        if (until === null || until === from) return;
        const computed = computeBalance(snapshot, from);
        const atEnd = computeBalance(snapshot, until);
        if (!isDeepStrictEqual(atEnd, Object.assign({}, computed, { at: until }))) ends += 1;
      }),
      { numRuns: 300 },
    );
    // A window may end early (a hold that expires with nothing held on its grant changes nothing visible), but most ends are real changes.
    assert.ok(ends > 20, `windows that end with a change: ${ends}`);
  });
});

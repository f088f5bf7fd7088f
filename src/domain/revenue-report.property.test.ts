import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AMOUNT_SCALE } from './amount.ts';
import { grantRevenue, type GrantMovement } from './revenue-report.ts';
import { referenceMoney } from './revenue-reference-model.ts';

const ONE = 10n ** BigInt(AMOUNT_SCALE);

/** A paid grant's life: granted at some time, then outflows (and top-ups) booked at non-decreasing times. */
const grantLife = fc
  .record({
    price: fc.bigInt({ min: 0n, max: 2000n }),
    credits: fc.bigInt({ min: 1n, max: 10n ** 4n }).map((whole) => whole * ONE),
    grantedAt: fc.integer({ min: 0, max: 50 }),
    steps: fc.array(
      fc.record({
        kind: fc.constantFrom('recognised', 'breakage', 'refund', 'added'),
        share: fc.integer({ min: 1, max: 1_000_000 }),
        gap: fc.integer({ min: 0, max: 20 }),
      }),
      { maxLength: 25 },
    ),
    drain: fc.boolean(),
  })
  .map(({ price, credits, grantedAt, steps, drain }) => {
    const movements: GrantMovement[] = [{ kind: 'granted', credits, bookedAt: grantedAt }];
    let remaining = credits;
    let at = grantedAt;
    for (const step of steps) {
      at += step.gap;
      if (step.kind === 'added') {
        const added = (ONE * BigInt(step.share)) / 1000n;
        remaining += added;
        movements.push({ kind: 'added', credits: added, bookedAt: at });
        continue;
      }
      const part = (remaining * BigInt(step.share)) / 1_000_000n;
      if (part === 0n) continue;
      remaining -= part;
      movements.push({ kind: step.kind, credits: part, bookedAt: at });
    }
    if (drain && remaining > 0n) movements.push({ kind: 'breakage', credits: remaining, bookedAt: at + 1 });
    return { basis: { price, credits }, movements, drained: drain || remaining === 0n };
  });

const cuts = fc.uniqueArray(fc.integer({ min: -5, max: 700 }), { minLength: 2, maxLength: 8 }).map((times) => times.sort((a, b) => a - b));

describe('revenue report of a grant (property, against the reference model)', () => {
  it('for every period: opening + paid − recognised − breakage − refunded = closing; adjacent periods chain; deferred money is the reference', () => {
    fc.assert(
      fc.property(grantLife, cuts, ({ basis, movements, drained }, boundaries) => {
        let previousClosing: { credits: bigint; money: bigint } | undefined;
        for (let index = 0; index + 1 < boundaries.length; index++) {
          const period = { from: boundaries[index]!, to: boundaries[index + 1]! };
          const report = grantRevenue(basis, movements, period);
          for (const part of ['credits', 'money'] as const) {
            assert.equal(report.opening[part] + report.paid[part] - report.recognised[part] - report.breakage[part] - report.refunded[part], report.closing[part]);
          }
          if (previousClosing) assert.deepEqual(report.opening, previousClosing);
          previousClosing = report.closing;
          // The reference: granted before `to` → price − money of the credits that left before `to`.
          const before = movements.filter((movement) => movement.bookedAt < period.to);
          const granted = before.some((movement) => movement.kind === 'granted');
          const left = before.filter((movement) => movement.kind !== 'granted' && movement.kind !== 'added').reduce((sum, movement) => sum + movement.credits, 0n);
          assert.equal(report.closing.money, granted ? basis.price - referenceMoney(basis.price, basis.credits, left) : 0n);
          assert.ok(report.recognised.money >= 0n && report.breakage.money >= 0n && report.refunded.money >= 0n);
        }
        // Over all time, a drained grant's parts add up to its price to the minor unit.
        const whole = grantRevenue(basis, movements, { from: -1, to: Number.MAX_SAFE_INTEGER });
        assert.equal(whole.paid.money, basis.price);
        if (drained) {
          assert.equal(whole.closing.money, 0n);
          assert.equal(whole.recognised.money + whole.breakage.money + whole.refunded.money, basis.price);
        }
      }),
      { numRuns: 300 },
    );
  });
});

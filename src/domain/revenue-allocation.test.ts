import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AMOUNT_SCALE } from './amount.ts';
import { referenceMoney } from './revenue-reference-model.ts';
import { allocateOutflows, divideHalfEven, moneyOfCreditsLeft, type Outflow } from './revenue-allocation.ts';

const ONE = 10n ** BigInt(AMOUNT_SCALE);

describe('divideHalfEven', () => {
  it('rounds halves to the even neighbour and everything else to the nearest', () => {
    assert.equal(divideHalfEven(5n, 2n), 2n); // 2.5
    assert.equal(divideHalfEven(7n, 2n), 4n); // 3.5
    assert.equal(divideHalfEven(9n, 4n), 2n); // 2.25
    assert.equal(divideHalfEven(11n, 4n), 3n); // 2.75
    assert.equal(divideHalfEven(0n, 3n), 0n);
    assert.equal(divideHalfEven(6n, 3n), 2n);
  });
});

describe('allocation by the cumulative method', () => {
  it("Lago's case: 100 credits bought for 100.00, 14.28444999 voided: 14.28 refunded, 85.72 deferred, 100.00 in all", () => {
    const basis = { price: 10_000n, credits: 100n * ONE };
    const voided = 1_428_444_999n * 10n ** BigInt(AMOUNT_SCALE - 8);
    const [refund] = allocateOutflows(basis, [{ kind: 'refund', credits: voided }]);
    assert.equal(refund, 1428n);
    assert.equal(basis.price - moneyOfCreditsLeft(basis, voided), 8572n);
  });

  it('three thirds of 1.00 are 0.33, 0.34 and 0.33, never 0.99', () => {
    const basis = { price: 100n, credits: 3n * ONE };
    assert.deepEqual(allocateOutflows(basis, [1n, 1n, 1n].map((c) => ({ kind: 'recognised', credits: c * ONE }))), [33n, 34n, 33n]);
  });

  it('credits beyond the grant (a floor top-up) carry no money', () => {
    const basis = { price: 500n, credits: 10n * ONE };
    assert.deepEqual(allocateOutflows(basis, [{ kind: 'recognised', credits: 10n * ONE }, { kind: 'breakage', credits: 5n * ONE }]), [500n, 0n]);
  });

  it('a free paid grant (price 0) is worth nothing at every step', () => {
    assert.deepEqual(allocateOutflows({ price: 0n, credits: ONE }, [{ kind: 'recognised', credits: ONE / 3n }, { kind: 'breakage', credits: ONE - ONE / 3n }]), [0n, 0n]);
  });

  it('property: M(k) equals the threshold-counting reference', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 3000n }), fc.bigInt({ min: 1n, max: 10n ** 14n }), fc.bigInt({ min: 0n, max: 10n ** 6n }), (price, credits, permille) => {
        const left = (credits * permille) / 10n ** 6n;
        assert.equal(moneyOfCreditsLeft({ price, credits }, left), referenceMoney(price, credits, left));
      }),
      { numRuns: 300 },
    );
  });

  it('property: the outflows of a drained grant add up to its price exactly; each is >= 0 and within one minor unit of its exact share', () => {
    const kinds = fc.constantFrom<Outflow['kind']>('recognised', 'breakage', 'refund');
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        fc.array(fc.tuple(kinds, fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 30 }),
        (price, credits, shape) => {
          // Split `credits` into outflows proportional to the weights; the last takes what is left.
          const weights = shape.map(([, weight]) => BigInt(weight));
          const total = weights.reduce((a, b) => a + b, 0n);
          let given = 0n;
          const outflows = shape.map(([kind], index) => {
            const part = index === shape.length - 1 ? credits - given : (credits * weights[index]!) / total;
            given += part;
            return { kind, credits: part };
          });
          const money = allocateOutflows({ price, credits }, outflows);
          assert.equal(money.reduce((a, b) => a + b, 0n), price);
          let left = 0n;
          let recognised = 0n;
          for (const [index, outflow] of outflows.entries()) {
            assert.ok(money[index]! >= 0n);
            left += outflow.credits;
            recognised += money[index]!;
            // |M(k) − price × k / credits| <= 1/2, in integers.
            const error = 2n * recognised * credits - 2n * price * left;
            assert.ok(error <= credits && -error <= credits, `cumulative money ${recognised} strays from ${price}×${left}/${credits}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

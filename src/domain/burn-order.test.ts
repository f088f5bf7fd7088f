import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareBurnOrder, sortInBurnOrder } from './burn-order.ts';
import { DAY, grantState, T0 } from './test-builders.ts';
import type { GrantState } from './types.ts';

function ids(grants: readonly GrantState[]): string[] {
  return grants.map((grant) => grant.id);
}

/** Asserts `first` burns before `second`, from both sides of the comparator and through a sort. */
function assertBurnsFirst(first: GrantState, second: GrantState): void {
  assert.ok(compareBurnOrder(first, second) < 0, `${first.id} should burn before ${second.id}`);
  assert.ok(compareBurnOrder(second, first) > 0, `${second.id} should burn after ${first.id}`);
  assert.deepEqual(ids(sortInBurnOrder([second, first])), [first.id, second.id]);
}

describe('compareBurnOrder', () => {
  it('1. burns lower priority first, whatever the later keys say', () => {
    const urgent = grantState({ id: 'p10', priority: 10, expiresAt: null, category: 'paid', effectiveAt: T0 + DAY, ordinal: 9 });
    const later = grantState({ id: 'p11', priority: 11, expiresAt: T0 + DAY, category: 'promotional', effectiveAt: T0, ordinal: 1 });
    assertBurnsFirst(urgent, later);
    assertBurnsFirst(grantState({ id: 'p0', priority: 0 }), grantState({ id: 'p100', priority: 100, ordinal: 2 }));
  });

  it('2. at equal priority, burns what expires soonest first, never-expiring last', () => {
    const soon = grantState({ id: 'soon', expiresAt: T0 + DAY, category: 'paid', effectiveAt: T0 + 5, ordinal: 5 });
    const late = grantState({ id: 'late', expiresAt: T0 + 2 * DAY, category: 'promotional', effectiveAt: T0, ordinal: 1 });
    const never = grantState({ id: 'never', expiresAt: null, category: 'promotional', effectiveAt: T0, ordinal: 0 });
    assertBurnsFirst(soon, late);
    assertBurnsFirst(late, never);
    assertBurnsFirst(soon, never);
    assert.deepEqual(ids(sortInBurnOrder([never, late, soon])), ['soon', 'late', 'never']);
  });

  it('3. at equal priority and expiry, burns promotional before paid', () => {
    const gift = grantState({ id: 'gift', category: 'promotional', expiresAt: T0 + DAY, effectiveAt: T0 + 100, ordinal: 8 });
    const bought = grantState({ id: 'bought', category: 'paid', expiresAt: T0 + DAY, effectiveAt: T0, ordinal: 1 });
    assertBurnsFirst(gift, bought);
    // Also when neither expires.
    assertBurnsFirst(grantState({ id: 'gift2', category: 'promotional', ordinal: 3 }), grantState({ id: 'paid2', category: 'paid', ordinal: 2 }));
  });

  it('4. then burns what became effective earlier first', () => {
    const older = grantState({ id: 'older', effectiveAt: T0 - DAY, ordinal: 7 });
    const newer = grantState({ id: 'newer', effectiveAt: T0, ordinal: 1 });
    assertBurnsFirst(older, newer);
  });

  it('5. finally burns in creation order', () => {
    const first = grantState({ id: 'first', ordinal: 1 });
    const second = grantState({ id: 'second', ordinal: 2 });
    assertBurnsFirst(first, second);
    assert.equal(compareBurnOrder(first, first), 0);
  });

  it('sortInBurnOrder does not reorder its input', () => {
    const input = [grantState({ id: 'b', ordinal: 2 }), grantState({ id: 'a', ordinal: 1 })];
    sortInBurnOrder(input);
    assert.deepEqual(ids(input), ['b', 'a']);
  });
});

describe('burn order properties', () => {
  // Few distinct values per key, so that ties on the earlier keys are common.
  const grantsArbitrary = fc
    .array(
      fc.record({
        priority: fc.constantFrom(0, 50, 100),
        expiresAt: fc.option(fc.constantFrom(T0 + DAY, T0 + 2 * DAY), { nil: null }),
        category: fc.constantFrom('paid' as const, 'promotional' as const),
        effectiveAt: fc.constantFrom(T0 - DAY, T0),
      }),
      { minLength: 0, maxLength: 12 },
    )
    .map((specs) => specs.map((spec, index) => grantState({ ...spec, id: `g${index + 1}`, ordinal: index + 1 })));

  it('is a total order: antisymmetric, never 0 for distinct grants, transitive', () => {
    fc.assert(
      fc.property(grantsArbitrary, (grants) => {
        for (const left of grants) {
          for (const right of grants) {
            const forward = Math.sign(compareBurnOrder(left, right));
            const backward = Math.sign(compareBurnOrder(right, left));
            assert.equal(forward, -backward || 0);
            assert.equal(forward === 0, left === right);
            for (const third of grants) {
              if (compareBurnOrder(left, right) < 0 && compareBurnOrder(right, third) < 0) {
                assert.ok(compareBurnOrder(left, third) < 0);
              }
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sorts every shuffle of the same grants to the same order', () => {
    fc.assert(
      fc.property(
        grantsArbitrary.chain((grants) => fc.tuple(fc.constant(grants), fc.shuffledSubarray(grants, { minLength: grants.length, maxLength: grants.length }))),
        ([grants, shuffled]) => {
          const expected = ids(sortInBurnOrder(grants));
          assert.deepEqual(ids(sortInBurnOrder(shuffled)), expected);
          assert.deepEqual(ids(sortInBurnOrder([...grants].reverse())), expected);
          // Sorted order agrees with the comparator pairwise.
          const sorted = sortInBurnOrder(shuffled);
          for (let index = 1; index < sorted.length; index += 1) {
            assert.ok(compareBurnOrder(sorted[index - 1]!, sorted[index]!) < 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

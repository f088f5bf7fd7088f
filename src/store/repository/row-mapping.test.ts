import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { formatAmount } from '../../domain/amount.ts';
import { allocationsColumn, readAllocations } from './row-mapping.ts';

it('writes allocations as JSON of grant IDs and amounts, read back exactly', () => {
  // Every amount an allocation can hold: under 10^25 units either way (25 integer digits, 10 decimals).
  const largest = 10n ** 35n - 1n;
  const allocation = fc.record({ grantId: fc.string(), amount: fc.bigInt({ min: -largest, max: largest }) }, { noNullPrototype: true });
  fc.assert(
    fc.property(fc.array(allocation, { maxLength: 5 }), (allocations) => {
      const text = allocationsColumn(allocations);
      assert.equal(text, JSON.stringify(allocations.map(({ grantId, amount }) => ({ grantId, amount: formatAmount(amount) }))));
      assert.deepEqual(readAllocations(text), allocations);
    }),
    { numRuns: 300, examples: [[[{ grantId: 'grt_edge', amount: largest }]], [[{ grantId: '', amount: -largest }]]] },
  );
});

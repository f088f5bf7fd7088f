import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { formatAmount } from '../../domain/amount.ts';
import { allocationsColumn, readAllocations } from './row-mapping.ts';

it('writes allocations as JSON of grant IDs and amounts, read back exactly', () => {
  const allocation = fc.record({ grantId: fc.string(), amount: fc.bigInt({ min: -(10n ** 35n), max: 10n ** 35n }) }, { noNullPrototype: true });
  fc.assert(
    fc.property(fc.array(allocation, { maxLength: 5 }), (allocations) => {
      const text = allocationsColumn(allocations);
      assert.equal(text, JSON.stringify(allocations.map(({ grantId, amount }) => ({ grantId, amount: formatAmount(amount) }))));
      assert.deepEqual(readAllocations(text), allocations);
    }),
    { numRuns: 300 },
  );
});

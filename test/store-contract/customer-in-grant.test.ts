import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createUnit, findCustomer } from '../../src/app/accounts.ts';
import { createGrant } from '../../src/app/grants.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { forEachStore } from '../support/stores.ts';
import { createFixture, onStore, presentGrant, rejectsWith, T0, DAY } from '../store-contract/fixtures.ts';

forEachStore('a customer created in its first grant’s transaction', (target) => {
  it('creates one customer for concurrent first grants on several wallets across two nodes; a refused grant leaves none', async () => {
    const fixture = await createFixture(await target.open());
    const other = onStore(fixture, await target.open());
    for (const code of ['u1', 'u2', 'u3', 'u4']) await createUnit(fixture.dependencies, fixture.context, { code, scale: 2 });
    const grants = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [index, unit] of ['u1', 'u2', 'u3', 'u4', 'u1', 'u2'].entries()) {
        const on = index % 2 === 0 ? fixture : other;
        grants.push(createGrant(on.dependencies, { context: on.context, input: { customerId: `new-${round}`, unit, walletKey: `k${index}`, amount: '1' }, present: presentGrant, missingCustomer: 'create' }));
      }
    }
    const settled = await Promise.allSettled(grants);
    assert.deepEqual(settled.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason), []);
    for (let round = 0; round < 3; round += 1) assert.ok(await findCustomer(fixture.dependencies, fixture.context, `new-${round}`));
    // Refused inside the transaction (expiry before now): no customer, no wallet.
    fixture.clock.set(T0 + DAY);
    await rejectsWith(createGrant(fixture.dependencies, { context: fixture.context, input: { customerId: 'refused', unit: 'u1', amount: '1', expiresAt: T0 }, present: presentGrant, missingCustomer: 'create' }), 'validation_error');
    assert.equal(await findCustomer(fixture.dependencies, fixture.context, 'refused'), undefined);
    // Without the option a missing customer is still 404.
    await rejectsWith(createGrant(fixture.dependencies, { context: fixture.context, input: { customerId: 'nobody', unit: 'u1', amount: '1' }, present: presentGrant }), 'not_found');
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});

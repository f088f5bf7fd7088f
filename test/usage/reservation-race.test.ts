import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Check-reserve-track on SQLite: 300 cycles in flight at once against one wallet.
 * The reservation is what makes "check, then work, then track" safe: each allowed
 * check holds its cost, so no two checks promise the same credit.
 */
describe('check-reserve-track cycles racing on one wallet (SQLite)', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  async function setUp(credits: string, overdraftLimit: string) {
    const { customerId, unit } = await api.wallet({ scale: 0 });
    const feature = api.unique('call');
    expectStatus(await api.post('/v1/features', { key: feature, quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '1' }), 201);
    await api.grant({ customerId, unit, amount: credits });
    expectStatus(await api.post('/v1/wallets', { customerId, unit, overdraftLimit }), 200);
    return { customerId, unit, feature };
  }

  async function cycle(wallet: { customerId: string; feature: string }, index: number, used: string): Promise<Json | null> {
    const check = expectStatus(await api.post('/v1/entitlements/check', { customerId: wallet.customerId, feature: wallet.feature, quantity: '1', reserve: true }), 200);
    if (!check.allowed) return null;
    return expectStatus(
      await api.post('/v1/usage-events', { id: api.unique(`cycle-${index}`), customerId: wallet.customerId, feature: wallet.feature, quantity: used, reservationId: check.reservationId }),
      201,
    );
  }

  it('300 cycles on a wallet holding 200: exactly 200 are allowed and the balance ends at zero, never below', async () => {
    const wallet = await setUp('200', '0');
    const tracked = await Promise.all(Array.from({ length: 300 }, (_, index) => cycle(wallet, index, '1')));
    assert.equal(tracked.filter((event) => event !== null).length, 200);
    const balance = await api.balance(wallet);
    assert.deepEqual([balance.available, balance.held, balance.overdraft], ['0', '0', '0']);
    const [lowest] = api.rows('SELECT min(CAST(balance_after AS INTEGER)) AS lowest FROM ledger_entries WHERE customer_id = ?', wallet.customerId);
    assert.equal(lowest.lowest, 0);
  });

  it('when work uses more than was reserved, the overdraft never passes its limit; the rest is shortfall', async () => {
    const wallet = await setUp('100', '10');
    const tracked = (await Promise.all(Array.from({ length: 300 }, (_, index) => cycle(wallet, index, '2')))).filter((event) => event !== null);
    // Each allowed cycle reserved 1 and used 2: the grant pays 100, the overdraft at most 10.
    const balance = await api.balance(wallet);
    assert.deepEqual([balance.available, balance.held, balance.overdraft], ['0', '0', '10']);
    const overdrawn = tracked.reduce((sum, event) => sum + BigInt(event.overdrawn), 0n);
    const shortfall = tracked.reduce((sum, event) => sum + BigInt(event.shortfall), 0n);
    assert.equal(overdrawn, 10n);
    assert.equal(BigInt(tracked.length) * 2n, 100n + overdrawn + shortfall);
    const [lowest] = api.rows('SELECT min(CAST(balance_after AS INTEGER)) AS lowest FROM ledger_entries WHERE customer_id = ?', wallet.customerId);
    assert.equal(lowest.lowest, -10, 'never below the overdraft limit');
  });
});

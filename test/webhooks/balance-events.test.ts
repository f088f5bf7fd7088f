import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * balance.low, balance.depleted and balance.recovered: written in the same
 * transaction as the change that crosses, once per crossing, whatever moves the
 * balance (debits, grants, holds, expiry, payment of a purchase).
 */
describe('balance events', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  async function balanceEvents(customerId: string): Promise<Array<[string, string]>> {
    const events = expectStatus(await api.get('/v1/events?limit=100'), 200).data as Json[];
    return events
      .filter((event) => event.type.startsWith('balance.') && event.data.customerId === customerId)
      .reverse()
      .map((event) => [event.type, event.data.balance]);
  }

  it('fires balance.low once per crossing of the threshold, then recovered, then low again', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '100' });
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, lowBalanceThreshold: '30' }), 200);
    await api.debit({ ...wallet, amount: '60' }); // 40: still ok
    await api.debit({ ...wallet, amount: '15' }); // 25: low
    await api.debit({ ...wallet, amount: '5' }); // 20: still low, no second event
    await api.debit({ ...wallet, amount: '5' }); // 15
    await api.grant({ ...wallet, amount: '50' }); // 65: recovered
    await api.debit({ ...wallet, amount: '40' }); // 25: low again
    assert.deepEqual(await balanceEvents(wallet.customerId), [
      ['balance.low', '25'],
      ['balance.recovered', '65'],
      ['balance.low', '25'],
    ]);
  });

  it('depleted at zero (with low first when it jumps past the threshold), recovered when credit returns', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, lowBalanceThreshold: '5' }), 200);
    await api.debit({ ...wallet, amount: '10' });
    await api.post('/v1/debits', { ...wallet, amount: '1' }); // rejected: nothing changes, nothing fires
    await api.grant({ ...wallet, amount: '3' }); // 3: out of depleted but still low
    await api.grant({ ...wallet, amount: '3' }); // 6: recovered
    const events = await balanceEvents(wallet.customerId);
    assert.deepEqual(events, [
      ['balance.low', '0'],
      ['balance.depleted', '0'],
      ['balance.recovered', '6'],
    ]);
    const [low] = (expectStatus(await api.get('/v1/events?type=balance.low&limit=100'), 200).data as Json[]).filter((event) => event.data.customerId === wallet.customerId);
    assert.deepEqual(
      { ...low.data, walletId: undefined },
      { walletId: undefined, customerId: wallet.customerId, unit: wallet.unit, walletKey: null, balance: '0', previousBalance: '10', threshold: '5' },
    );
  });

  it('without a threshold: depleted and recovered around zero, and holds count (what is held is not available)', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    const hold = await api.hold({ ...wallet, amount: '10' });
    expectStatus(await api.post(`/v1/holds/${hold.id}/release`), 200);
    assert.deepEqual(await balanceEvents(wallet.customerId), [
      ['balance.depleted', '0'],
      ['balance.recovered', '10'],
    ]);
  });

  it('an expiry booked by the clock depletes the wallet, and paying a purchase recovers it', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    await api.grant({ ...wallet, amount: '10', expiresAt: new Date(now + DAY).toISOString() });
    await api.advanceClock(now + DAY);
    const purchase = expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '100', price: '1.00' }), 201);
    await api.request({ method: 'POST', url: `${new URL(purchase.paymentSession.url).pathname}/pay`, key: null, payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(await balanceEvents(wallet.customerId), [
      ['balance.depleted', '0'],
      ['balance.recovered', '100'],
    ]);
  });

  it("a wallet's first credit is not a recovery", async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    assert.deepEqual(await balanceEvents(wallet.customerId), []);
  });
});

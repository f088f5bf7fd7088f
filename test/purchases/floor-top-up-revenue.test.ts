import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRevenueIdentity } from '../support/revenue-checks.ts';
import { DAY, expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * A paid grant's price is spread over the credits bought, never over credits a rollover floor tops it up with
 * (docs/finance.md#decisions: they carry no money): a period that has ended reads the same however many top-ups
 * come after it, and the grant's money is all recognised once the credits bought have left.
 */
describe('revenue report: a paid grant topped up by its rollover floor', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  it('keeps the price on the credits bought: closed periods do not change and top-ups carry no money', async () => {
    const wallet = await api.wallet({ scale: 0 });
    const start = await api.now();
    expectStatus(await api.post('/v1/wallets', { ...wallet, usagePeriod: { period: 'P1D', anchor: iso(start + 12 * HOUR) } }), 200);
    const grant = await api.grant({ ...wallet, amount: '60', category: 'paid', cost: { amount: '6.00', currency: 'usd' }, resetMinRollover: '20' });
    await api.advanceClock(start + HOUR);
    await api.debit({ ...wallet, amount: '60' });
    await api.advanceClock(start + 2 * HOUR);

    const window = new URLSearchParams({ from: iso(start), to: iso(start + 2 * HOUR), currency: 'usd', customerId: wallet.customerId });
    const read = async () => expectStatus(await api.get(`/v1/reports/revenue?${window}`), 200);
    const money = (body: Json) => [body.paid.credits, body.paid.money, body.recognised.money, body.closingDeferred.credits, body.closingDeferred.money];
    const before = await read();
    assert.deepEqual(money(before), ['60', '6.00', '6.00', '0', '0.00']);

    // Two resets top the grant up to its floor of 20; 20 of those credits are used in between.
    await api.advanceClock(start + 13 * HOUR);
    await api.debit({ ...wallet, amount: '20' });
    await api.advanceClock(start + DAY + 13 * HOUR);
    // Events the clock's advance books are booked at the time it moved to: read up to a later instant.
    await api.advanceClock(start + DAY + 14 * HOUR);
    assert.equal(expectStatus(await api.get(`/v1/grants/${grant.id}`), 200).amount, '100');
    assert.deepEqual(money(await read()), money(before), 'a closed period reads the same after the top-ups');

    const whole = expectStatus(await api.get(`/v1/reports/revenue?${new URLSearchParams({ from: iso(start), to: iso(start + DAY + 14 * HOUR), currency: 'usd', customerId: wallet.customerId })}`), 200);
    assert.deepEqual(money(whole), ['100', '6.00', '6.00', '20', '0.00']);
    assertRevenueIdentity(whole);
  });
});

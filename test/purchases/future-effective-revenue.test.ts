import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRevenueIdentity, payAtCheckout } from '../support/revenue-checks.ts';
import { DAY, expectError, expectStatus, iso, startTestApi, type Json, type TestApi, type WalletInput } from '../support/test-api.ts';

/**
 * Money received for paid credits that start later is deferred revenue from
 * the moment it was booked (docs/finance.md#the-revenue-report), in-process
 * (SQLite): a purchase paid on day 0 for credits effective on day 40, and a
 * paid grant with a cost made directly with a future effectiveAt.
 */
describe('revenue report: paid credits that start later', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  const report = async (wallet: WalletInput, from: number, to: number) =>
    expectStatus(await api.get(`/v1/reports/revenue?${new URLSearchParams({ from: iso(from), to: iso(to), currency: 'usd', customerId: wallet.customerId! })}`), 200);
  const money = (body: Json) => ({
    opening: body.openingDeferred.money,
    paid: body.paid.money,
    recognised: body.recognised.money,
    breakage: body.breakage.money,
    refunds: body.refunds.money,
    closing: body.closingDeferred.money,
  });

  it('a purchase paid on day 0 for credits effective on day 40 is paid and deferred from day 0; periods chain; refund waits for effectiveAt', async () => {
    const wallet = await api.wallet();
    const day0 = await api.now();
    const purchase = expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '100', price: '50.00', effectiveAt: iso(day0 + 40 * DAY) }), 201);
    await payAtCheckout(api, purchase);
    await api.advanceClock(day0 + 30 * DAY);

    const first = await report(wallet, day0, day0 + 30 * DAY);
    assert.deepEqual(money(first), { opening: '0.00', paid: '50.00', recognised: '0.00', breakage: '0.00', refunds: '0.00', closing: '50.00' });
    assert.deepEqual(first.closingDeferred.credits, '100');
    assert.deepEqual(first.grants.data.map((row: Json) => row.grantId), [purchase.grantId]);
    assertRevenueIdentity(first);

    expectError(await api.post(`/v1/purchases/${purchase.id}/refund`, {}), {
      status: 409,
      code: 'state_conflict',
      message: /not effective yet \(effective at .*\); refund it from then on, or void the grant/,
    });

    await api.advanceClock(day0 + 50 * DAY);
    await api.debit({ ...wallet, amount: '30' });
    await api.advanceClock(day0 + 60 * DAY);
    const second = await report(wallet, day0 + 30 * DAY, day0 + 60 * DAY);
    assert.deepEqual(money(second), { opening: '50.00', paid: '0.00', recognised: '15.00', breakage: '0.00', refunds: '0.00', closing: '35.00' });
    assertRevenueIdentity(second);
    const whole = await report(wallet, day0, day0 + 60 * DAY);
    assert.deepEqual(money(whole), { opening: '0.00', paid: '50.00', recognised: '15.00', breakage: '0.00', refunds: '0.00', closing: '35.00' });
    const again = await report(wallet, day0, day0 + 30 * DAY);
    assert.deepEqual({ ...again, closed: first.closed }, first, 'a period that has ended never changes once the grant becomes effective');

    const note = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, {}), 200);
    assert.equal(note.amount, '35.00');
    await api.advanceClock(day0 + 61 * DAY);
    const third = await report(wallet, day0 + 60 * DAY, day0 + 61 * DAY);
    assert.deepEqual(money(third), { opening: '35.00', paid: '0.00', recognised: '0.00', breakage: '0.00', refunds: '35.00', closing: '0.00' });
  });

  it('a paid grant with a cost made with a future effectiveAt counts from when it was made; voided before it starts, it is breakage then', async () => {
    const wallet = await api.wallet();
    const day0 = await api.now();
    const grant = expectStatus(
      await api.post('/v1/grants', { ...wallet, amount: '10', category: 'paid', cost: { amount: '20.00', currency: 'usd' }, effectiveAt: iso(day0 + 10 * DAY) }),
      201,
    );
    await api.advanceClock(day0 + 5 * DAY);
    const before = await report(wallet, day0, day0 + 5 * DAY);
    assert.deepEqual(money(before), { opening: '0.00', paid: '20.00', recognised: '0.00', breakage: '0.00', refunds: '0.00', closing: '20.00' });
    expectStatus(await api.post(`/v1/grants/${grant.id}/void`, {}), 200);
    await api.advanceClock(day0 + 20 * DAY);
    const afterVoid = await report(wallet, day0 + 5 * DAY, day0 + 20 * DAY);
    assert.deepEqual(money(afterVoid), { opening: '20.00', paid: '0.00', recognised: '0.00', breakage: '20.00', refunds: '0.00', closing: '0.00' });
    assertRevenueIdentity(afterVoid);
    const again = await report(wallet, day0, day0 + 5 * DAY);
    assert.deepEqual({ ...again, closed: before.closed }, before);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRevenueIdentity, payAtCheckout } from '../support/revenue-checks.ts';
import { expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi, type WalletInput } from '../support/test-api.ts';

/**
 * Refunds of unused paid credits and the revenue report, in-process (SQLite):
 * Lago's case to the cent, what a refund may take, idempotency, the
 * purchase.refunded event, the report's identity and drill-down, closed periods
 * that never change, and bad input on both routes.
 */
describe('refunds and the revenue report', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  /** A paid purchase of `amount` credits for `price` usd. */
  const bought = async (wallet: WalletInput, amount: string, price: string): Promise<Json> => {
    const purchase = expectStatus(await api.post('/v1/purchases', { ...wallet, amount, price }), 201);
    await payAtCheckout(api, purchase);
    return purchase;
  };
  const refund = (purchase: Json, body: Record<string, unknown> = {}, idempotencyKey?: string) =>
    api.post(`/v1/purchases/${purchase.id}/refund`, body, idempotencyKey ? { idempotencyKey } : {});
  const report = async (query: Record<string, string>) => expectStatus(await api.get(`/v1/reports/revenue?${new URLSearchParams(query)}`), 200);
  const tick = async (by = HOUR) => {
    const now = await api.now();
    await api.advanceClock(now + by);
    return now + by;
  };
  const expectText = (response: { status: number; text: string }) => {
    assert.equal(response.status, 200, response.text);
    return response.text;
  };

  it("Lago's case: 100 credits bought for 100.00, 14.28444999 refunded: 14.28 back and 85.72 deferred, 100.00 exactly", async () => {
    const wallet = await api.wallet({ scale: 8 });
    const from = await api.now();
    const purchase = await bought(wallet, '100', '100.00');
    await tick();
    const note = expectStatus(await refund(purchase, { amount: '14.28444999' }), 200);
    assert.deepEqual(
      { credits: note.credits, amount: note.amount, status: note.status, currency: note.currency },
      { credits: '14.28444999', amount: '14.28', status: 'succeeded', currency: 'usd' },
    );
    assert.match(note.refundReference, /^re_test_/);
    const to = await tick();
    const body = await report({ from: iso(from), to: iso(to), currency: 'usd', customerId: wallet.customerId });
    assert.deepEqual(
      { paid: body.paid.money, refunds: body.refunds, closing: body.closingDeferred },
      { paid: '100.00', refunds: { credits: '14.28444999', money: '14.28' }, closing: { credits: '85.71555001', money: '85.72' } },
    );
    assertRevenueIdentity(body);
    assert.equal((await api.balance(wallet)).available, '85.71555001');
    const grant = expectStatus(await api.get(`/v1/grants/${purchase.grantId}`), 200);
    assert.deepEqual({ status: grant.status, voided: grant.voided }, { status: 'active', voided: '14.28444999' }, 'a partial refund leaves the grant active');
  });

  it('refunds all unused credit by default, never consumed or held credit; replays by key; refunds once; emits purchase.refunded once', async () => {
    const wallet = await api.wallet();
    const purchase = await bought(wallet, '100', '10.00');
    await api.debit({ ...wallet, amount: '30' });
    const hold = await api.hold({ ...wallet, amount: '20' });
    const note = expectStatus(await refund(purchase, {}, 'refund-1'), 200);
    assert.deepEqual({ credits: note.credits, amount: note.amount }, { credits: '50', amount: '5.00' });
    const replay = await refund(purchase, {}, 'refund-1');
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(expectStatus(replay, 200), note);
    expectError(await refund(purchase, { amount: '1' }, 'refund-1'), { status: 409, code: 'idempotency_conflict' });
    expectError(await refund(purchase, {}, 'refund-2'), { status: 409, code: 'state_conflict', message: 'Nothing' });
    const balance = await api.balance(wallet);
    assert.deepEqual({ available: balance.available, held: balance.held }, { available: '0', held: '20' });
    // The held credit comes back on release and can be refunded then.
    expectStatus(await api.post(`/v1/holds/${hold.id}/release`, {}), 200);
    const second = expectStatus(await refund(purchase, { amount: '20' }), 200);
    assert.deepEqual({ credits: second.credits, amount: second.amount }, { credits: '20', amount: '2.00' });
    const events = (expectStatus(await api.get('/v1/events?type=purchase.refunded&limit=100'), 200).data as Json[]).filter((event) => event.data.purchaseId === purchase.id);
    assert.deepEqual(events.map((event) => event.data.creditNoteId).sort(), [note.id, second.id].sort());
    const first = events.find((event) => event.data.creditNoteId === note.id);
    assert.deepEqual(
      { credits: first.data.refundedCredits, amount: first.data.refundAmount, reference: first.data.refundReference, grantId: first.data.grantId },
      { credits: '50', amount: '5.00', reference: note.refundReference, grantId: purchase.grantId },
    );
    const listed = expectStatus(await api.get(`/v1/credit-notes?purchaseId=${purchase.id}`), 200);
    assert.deepEqual(listed.data.map((row: Json) => row.id).sort(), [note.id, second.id].sort());
    assert.deepEqual(expectStatus(await api.get(`/v1/credit-notes/${note.id}`), 200), note);
  });

  it('a refund whose money rounds to 0.00 succeeds at once with no provider reference and emits purchase.refunded once', async () => {
    const wallet = await api.wallet({ scale: 2 });
    const purchase = await bought(wallet, '1000', '0.50');
    const note = expectStatus(await refund(purchase, { amount: '0.99' }, 'refund-zero'), 200);
    assert.deepEqual(
      { credits: note.credits, amount: note.amount, status: note.status, reference: note.refundReference },
      { credits: '0.99', amount: '0.00', status: 'succeeded', reference: null },
    );
    assert.deepEqual(expectStatus(await refund(purchase, { amount: '0.99' }, 'refund-zero'), 200).id, note.id);
    const events = (expectStatus(await api.get('/v1/events?type=purchase.refunded&limit=100'), 200).data as Json[]).filter((event) => event.data.purchaseId === purchase.id);
    assert.deepEqual(events.map((event) => [event.data.creditNoteId, event.data.refundAmount, event.data.refundReference]), [[note.id, '0.00', null]]);
  });

  it('refuses bad refunds with a clear error and writes nothing', async () => {
    const wallet = await api.wallet();
    const paid = await bought(wallet, '10', '1.00');
    const open = expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '10', price: '1.00' }), 201);
    await api.expectNoWrites(async () => {
      expectError(await refund(open), { status: 409, code: 'state_conflict', message: 'only a paid purchase' });
      expectError(await refund({ id: 'pur_nope' }), { status: 404, code: 'not_found' });
      expectError(await api.post(`/v1/purchases/${paid.id}/refund`, {}, { key: api.liveKey }), { status: 404, code: 'not_found' });
      expectError(await refund(paid, { amount: '0' }), { status: 400, code: 'validation_error', param: 'amount' });
      expectError(await refund(paid, { amount: '-1' }), { status: 400, code: 'validation_error', param: 'amount' });
      expectError(await refund(paid, { amount: '1.001' }), { status: 400, code: 'validation_error', param: 'amount' });
      expectError(await refund(paid, { amount: 'ten' }), { status: 400, code: 'validation_error' });
      expectError(await refund(paid, { amount: '10.01' }), { status: 409, code: 'state_conflict', message: 'Only 10 credits' });
      expectError(await refund(paid, { credits: '1' }), { status: 400, code: 'validation_error' });
      expectError(await api.request({ method: 'POST', url: `/v1/purchases/${paid.id}/refund`, payload: '{"amount":', headers: { 'content-type': 'application/json' } }), {
        status: 400,
        code: 'invalid_json',
      });
    });
  });

  it('the report ties out per period, chains, drills down per grant, keeps promotional credit apart, and a closed period never changes', async () => {
    const wallet = await api.wallet();
    const t0 = await api.now();
    const a = await bought(wallet, '300', '10.00');
    await api.grant({ ...wallet, amount: '50' }); // promotional
    await tick();
    await api.debit({ ...wallet, amount: '100' }); // promotional burns first: 50 of it, then 50 paid
    const t1 = await tick();
    const b = await bought(wallet, '3', '1.00');
    await api.debit({ ...wallet, amount: '251' }); // the rest of a (250) and 1 of b
    expectStatus(await refund(b, {}), 200); // 2 of b: 0.67 (cumulative 1/3 → 0.33, 3/3 → 1.00)
    const t2 = await tick();
    const query = { currency: 'usd', customerId: wallet.customerId };
    const first = await report({ ...query, from: iso(t0), to: iso(t1) });
    const second = await report({ ...query, from: iso(t1), to: iso(t2) });
    const whole = await report({ ...query, from: iso(t0), to: iso(t2) });
    for (const body of [first, second, whole]) assertRevenueIdentity(body);
    assert.deepEqual(second.openingDeferred, first.closingDeferred, 'adjacent periods chain');
    assert.deepEqual(
      { paid: first.paid, recognised: first.recognised, closing: first.closingDeferred },
      { paid: { credits: '300', money: '10.00' }, recognised: { credits: '50', money: '1.67' }, closing: { credits: '250', money: '8.33' } },
    );
    assert.deepEqual(
      { paid: second.paid, recognised: second.recognised, refunds: second.refunds, closing: second.closingDeferred },
      { paid: { credits: '3', money: '1.00' }, recognised: { credits: '251', money: '8.66' }, refunds: { credits: '2', money: '0.67' }, closing: { credits: '0', money: '0.00' } },
    );
    assert.deepEqual(whole.withoutRevenue, [{ unit: wallet.unit, kind: 'promotional', opening: '0', granted: '50', consumed: '50', expiredOrVoided: '0', closing: '0' }]);
    const rows = whole.grants.data as Json[];
    assert.deepEqual(rows.map((row) => row.grantId).sort(), [a.grantId, b.grantId].sort());
    for (const row of rows) {
      const parts = ['recognised', 'breakage', 'refunds', 'closingDeferred'].reduce((sum, key) => sum + BigInt(row[key].money.replace('.', '')), 0n);
      assert.equal(parts, BigInt(row.price.replace('.', '')), `grant ${row.grantId}: its parts add up to its price`);
    }
    // Paging the drill-down.
    const page1 = await report({ ...query, from: iso(t0), to: iso(t2), limit: '1' });
    assert.equal(page1.grants.hasMore, true);
    const page2 = await report({ ...query, from: iso(t0), to: iso(t2), limit: '1', startingAfter: page1.grants.data[0].grantId });
    assert.equal(page2.grants.hasMore, false);
    assert.notEqual(page2.grants.data[0].grantId, page1.grants.data[0].grantId);
    // The revenue export streams every per-grant row, by grant ID, with the report's strings; CSV says the same.
    const window = { ...query, from: iso(t0), to: iso(t2) };
    const jsonl = expectText(await api.get(`/v1/exports/revenue?${new URLSearchParams({ ...window, format: 'jsonl' })}`));
    const lines = jsonl.trim().split('\n').map((line) => JSON.parse(line) as Json);
    const parts = ['openingDeferred', 'paid', 'recognised', 'breakage', 'refunds', 'closingDeferred'];
    const asLine = (row: Json) => ({
      grantId: row.grantId, customerId: row.customerId, unit: row.unit, source: row.source, currency: 'usd', credits: row.credits, price: row.price,
      ...Object.fromEntries(parts.flatMap((part) => [[`${part}Credits`, row[part].credits], [`${part}Money`, row[part].money]])),
    });
    assert.deepEqual(lines, [...rows].sort((x, y) => (x.grantId < y.grantId ? -1 : 1)).map(asLine));
    const csv = expectText(await api.get(`/v1/exports/revenue?${new URLSearchParams(window)}`)).split('\r\n');
    assert.equal(csv[0], Object.keys(lines[0]!).join(','));
    assert.equal(csv[1], Object.values(lines[0]!).join(','));
    // Later bookings never change a period that has closed.
    await tick(2 * MINUTE);
    const closed = await report({ ...query, from: iso(t0), to: iso(t2) });
    assert.equal(closed.closed, true);
    const c = await bought(wallet, '10', '2.00');
    await api.debit({ ...wallet, amount: '4' });
    expectStatus(await refund(c, {}), 200);
    assert.deepEqual(await report({ ...query, from: iso(t0), to: iso(t2) }), closed);
  });

  it('refuses bad report queries with a clear error', async () => {
    const now = await api.now();
    const ok = { from: iso(now - HOUR), to: iso(now), currency: 'usd' };
    const bad = async (query: Record<string, string>, param: string | undefined, status = 400, code = 'validation_error') =>
      expectError(await api.get(`/v1/reports/revenue?${new URLSearchParams(query)}`), { status, code, ...(param ? { param } : {}) });
    await bad({ ...ok, from: iso(now), to: iso(now - HOUR) }, 'from');
    await bad({ ...ok, from: iso(now), to: iso(now) }, 'from');
    await bad({ ...ok, to: iso(now + HOUR) }, 'to');
    await bad({ ...ok, from: '2026-02-30T00:00:00Z' }, 'from');
    await bad({ ...ok, to: 'yesterday' }, 'to');
    await bad({ ...ok, currency: 'xyz' }, 'currency');
    await bad({ ...ok, currency: 'USD' }, 'currency');
    await bad({ from: ok.from, to: ok.to }, 'currency');
    await bad({ ...ok, limit: '0' }, 'limit');
    await bad({ ...ok, startingAfter: 'grt_nope' }, 'startingAfter');
    await bad({ ...ok, customerId: 'nobody' }, 'customerId', 404, 'not_found');
    const liveCustomer = await api.createCustomer({}, api.liveKey);
    await bad({ ...ok, customerId: liveCustomer.id }, 'customerId', 404, 'not_found');
    // The export of the report refuses the same queries before streaming, and needs a currency.
    const badExport = async (query: Record<string, string>, param: string) =>
      expectError(await api.get(`/v1/exports/revenue?${new URLSearchParams(query)}`), { status: 400, code: 'validation_error', param });
    await badExport({ from: ok.from, to: ok.to }, 'currency');
    await badExport({ ...ok, to: iso(now + HOUR) }, 'to');
    await badExport({ ...ok, currency: 'xyz' }, 'currency');
    await badExport({ ...ok, unit: 'credits' }, 'unit');
  });
});

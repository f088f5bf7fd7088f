import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAutoTopUps } from '../../src/app/auto-top-up-runs.ts';
import { expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Auto top-up in-process (SQLite): a burst of concurrent debits buys exactly
 * once; a decline backs off exponentially; the monthly limit holds; top-up to a
 * target buys the difference.
 */
describe('auto top-up', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  async function walletWithAutoTopUp(options: { testCard: 'succeeds' | 'declines'; grant?: string; autoTopUp?: Record<string, unknown> }) {
    const wallet = await api.wallet();
    if (options.grant) await api.grant({ ...wallet, amount: options.grant });
    const card = expectStatus(await api.post('/v1/payment-methods', { customerId: wallet.customerId, testCard: options.testCard }), 201);
    const settings = expectStatus(
      await api.post('/v1/balance-settings', { ...wallet, autoTopUp: { threshold: '50', amount: '100', unitPrice: '0.10', paymentMethodId: card.id, ...options.autoTopUp } }),
      200,
    );
    return { wallet, card, settings };
  }

  const topUpsOf = async (wallet: { customerId: string; unit: string }) =>
    expectStatus(await api.get(`/v1/auto-top-ups?customerId=${wallet.customerId}&unit=${wallet.unit}&limit=100`), 200).data as Json[];
  const settingsOf = async (wallet: { customerId: string; unit: string }) =>
    expectStatus(await api.get(`/v1/balance-settings?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
  const autoPurchasesOf = async (wallet: { customerId: string; unit: string }) =>
    (expectStatus(await api.get(`/v1/purchases?customerId=${wallet.customerId}&limit=100`), 200).data as Json[]).filter((purchase) => purchase.source === 'auto_top_up');
  const eventCount = async (type: string, customerId: string) =>
    (expectStatus(await api.get(`/v1/events?type=${type}&limit=100`), 200).data as Json[]).filter((event) => event.data.customerId === customerId).length;

  it('shows the settings it saved', async () => {
    const { wallet, card, settings } = await walletWithAutoTopUp({ testCard: 'succeeds', autoTopUp: { monthlyLimit: '25.00' } });
    assert.deepEqual(settings, {
      object: 'balance_settings',
      customerId: wallet.customerId,
      unit: wallet.unit,
      walletKey: null,
      lowBalanceThreshold: null,
      autoTopUp: { threshold: '50', amount: '100', targetBalance: null, unitPrice: '0.1', currency: 'usd', paymentMethodId: card.id, monthlyLimit: '25.00' },
      autoTopUpState: { inFlight: null, declinesInARow: 0, pausedUntil: null, spentThisMonth: '0.00' },
    });
    assert.deepEqual(await settingsOf(wallet), settings);
    const off = expectStatus(await api.post('/v1/balance-settings', { ...wallet, autoTopUp: null, lowBalanceThreshold: '5' }), 200);
    assert.deepEqual([off.autoTopUp, off.lowBalanceThreshold], [null, '5']);
  });

  it('a burst of concurrent debits below the threshold buys exactly once', async () => {
    const { wallet } = await walletWithAutoTopUp({ testCard: 'succeeds', grant: '100' });
    // 40 debits of 2 at once: the balance crosses 50 on one of them and stays below on the rest.
    const debits = await Promise.all(Array.from({ length: 40 }, () => api.post('/v1/debits', { ...wallet, amount: '2' })));
    assert.deepEqual(new Set(debits.map((response) => response.status)), new Set([201]));
    assert.equal((await topUpsOf(wallet)).length, 1, 'one top-up requested for the whole burst');
    assert.equal((await settingsOf(wallet)).autoTopUpState.inFlight, (await topUpsOf(wallet))[0].id);
    // Several workers at once still run it once.
    const finished = await Promise.all([runAutoTopUps(api.dependencies), runAutoTopUps(api.dependencies), runAutoTopUps(api.dependencies)]);
    assert.equal(finished.reduce((sum, count) => sum + count, 0), 1);
    const [topUp] = await topUpsOf(wallet);
    assert.deepEqual(
      { status: topUp.status, amount: topUp.amount, price: topUp.price, balanceAtTrigger: topUp.balanceAtTrigger },
      { status: 'succeeded', amount: '100', price: '10.00', balanceAtTrigger: '48' },
    );
    const purchases = await autoPurchasesOf(wallet);
    assert.equal(purchases.length, 1);
    assert.deepEqual(
      { status: purchases[0].status, invoice: purchases[0].invoice.status, amount: purchases[0].invoice.amount, id: purchases[0].id },
      { status: 'paid', invoice: 'paid', amount: 1000, id: topUp.purchaseId },
    );
    assert.equal((await api.balance(wallet)).available, '120');
    assert.equal((await settingsOf(wallet)).autoTopUpState.inFlight, null);
    assert.equal((await settingsOf(wallet)).autoTopUpState.spentThisMonth, '10.00');
    assert.equal(await eventCount('auto_top_up.requested', wallet.customerId), 1);
    assert.equal(await runAutoTopUps(api.dependencies), 0, 'nothing left to run');

    // A later fall below the threshold is a new crossing: it buys again.
    await api.debit({ ...wallet, amount: '60' });
    assert.equal((await topUpsOf(wallet)).length, 1, '60 left: not below 50');
    await api.debit({ ...wallet, amount: '20' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    assert.deepEqual((await topUpsOf(wallet)).map((entry) => entry.status), ['succeeded', 'succeeded']);
    assert.equal((await api.balance(wallet)).available, '140');
  });

  it('a declined card fails the purchase (grant voided, invoice void) and backs off exponentially', async () => {
    const { wallet } = await walletWithAutoTopUp({ testCard: 'declines', grant: '60' });
    const now = await api.now();
    await api.debit({ ...wallet, amount: '20' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    const [declined] = await topUpsOf(wallet);
    assert.deepEqual([declined.status, declined.reason], ['declined', 'card_declined']);
    const purchase = expectStatus(await api.get(`/v1/purchases/${declined.purchaseId}`), 200);
    assert.deepEqual([purchase.status, purchase.invoice.status], ['failed', 'void']);
    assert.equal(expectStatus(await api.get(`/v1/grants/${purchase.grantId}`), 200).status, 'voided');
    assert.equal((await api.balance(wallet)).available, '40');
    let state = (await settingsOf(wallet)).autoTopUpState;
    assert.deepEqual(state, { inFlight: null, declinesInARow: 1, pausedUntil: iso(now + HOUR), spentThisMonth: '0.00' });

    // During the backoff, more usage below the threshold buys nothing.
    await api.debit({ ...wallet, amount: '5' });
    await api.debit({ ...wallet, amount: '5' });
    assert.equal((await topUpsOf(wallet)).length, 1);

    // After it, the next debit tries again; a second decline waits twice as long.
    await api.advanceClock(now + HOUR);
    await api.debit({ ...wallet, amount: '1' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    state = (await settingsOf(wallet)).autoTopUpState;
    assert.deepEqual([state.declinesInARow, state.pausedUntil], [2, iso(now + HOUR + 2 * HOUR)]);
    assert.deepEqual((await topUpsOf(wallet)).map((entry) => entry.status), ['declined', 'declined']);
    assert.equal(await eventCount('auto_top_up.declined', wallet.customerId), 2);
    assert.equal((await api.balance(wallet)).available, '29');
  });

  it('writes auto_top_up.processing once its purchase is open and the charge is next, to the list and to an endpoint subscribed to it', async () => {
    await api.dependencies.webhooks.fanOut(); // earlier tests' events go to nobody
    const endpoint = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/top-ups', eventTypes: ['auto_top_up.processing'] }), 201);
    const { wallet } = await walletWithAutoTopUp({ testCard: 'declines', grant: '60' });
    await api.debit({ ...wallet, amount: '20' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    const [topUp] = await topUpsOf(wallet);
    const events = (expectStatus(await api.get(`/v1/events?type=auto_top_up.*&customerId=${wallet.customerId}&limit=100`), 200).data as Json[]).reverse();
    assert.deepEqual(events.map((event) => event.type), ['auto_top_up.requested', 'auto_top_up.processing', 'auto_top_up.declined']);
    const [, processing, declined] = events;
    // The shape of the event that ends the top-up, with its purchase and no reason yet.
    assert.deepEqual(processing.data, { ...declined.data, reason: null });
    assert.deepEqual(
      { autoTopUpId: processing.data.autoTopUpId, customerId: processing.data.customerId, unit: processing.data.unit, walletKey: processing.data.walletKey, purchaseId: processing.data.purchaseId },
      { autoTopUpId: topUp.id, customerId: wallet.customerId, unit: wallet.unit, walletKey: null, purchaseId: topUp.purchaseId },
    );
    await api.dependencies.webhooks.fanOut();
    const deliveries = expectStatus(await api.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=100`), 200).data as Json[];
    assert.deepEqual(deliveries.map((delivery) => [delivery.eventType, delivery.eventId]), [['auto_top_up.processing', processing.id]]);
    expectStatus(await api.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}` }), 200);
  });

  it('stops at the monthly limit until the next month', async () => {
    const { wallet } = await walletWithAutoTopUp({ testCard: 'succeeds', grant: '60', autoTopUp: { monthlyLimit: '15.00' } });
    const now = await api.now();
    await api.debit({ ...wallet, amount: '20' });
    await runAutoTopUps(api.dependencies);
    await api.debit({ ...wallet, amount: '100' });
    await runAutoTopUps(api.dependencies);
    const [skipped, succeeded] = await topUpsOf(wallet);
    assert.deepEqual([succeeded.status, skipped.status, skipped.reason], ['succeeded', 'skipped', 'monthly_limit_reached']);
    assert.equal(skipped.purchaseId, null, 'nothing was bought or charged');
    assert.equal(await eventCount('auto_top_up.processing', wallet.customerId), 1, 'only the top-up that charged was processing');
    const nextMonth = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1);
    assert.equal((await settingsOf(wallet)).autoTopUpState.pausedUntil, iso(nextMonth));
    await api.debit({ ...wallet, amount: '1' });
    assert.equal((await topUpsOf(wallet)).length, 2, 'paused: no new request this month');

    await api.advanceClock(nextMonth);
    await api.debit({ ...wallet, amount: '1' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    assert.equal((await topUpsOf(wallet))[0].status, 'succeeded');
    assert.equal((await api.balance(wallet)).available, '138');
  });

  it('tops up to a target balance, pricing the difference (rounded half up to cents)', async () => {
    const { wallet } = await walletWithAutoTopUp({ testCard: 'succeeds', grant: '120', autoTopUp: { amount: undefined, threshold: '100', targetBalance: '500', unitPrice: '0.0125' } });
    await api.debit({ ...wallet, amount: '79' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    const [topUp] = await topUpsOf(wallet);
    // 500 − 41 = 459 credits × 0.0125 = 5.7375 → 5.74
    assert.deepEqual([topUp.amount, topUp.price, topUp.status], ['459', '5.74', 'succeeded']);
    assert.equal((await api.balance(wallet)).available, '500');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import Database from 'better-sqlite3';
import { MAX_TOP_UP_RUNS, runAutoTopUps } from '../../src/app/auto-top-up-runs.ts';
import { expireDuePurchases } from '../../src/app/purchases-expiry.ts';
import { REFUND_RETRY_WINDOW_MS, settlePendingRefunds } from '../../src/app/refunds.ts';
import { apiClient, startServe, type ServedProcess } from '../support/serve-process.ts';
import { expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type ApiResponse, type Json, type TestApi } from '../support/test-api.ts';
import { StripeRecorder } from './stripe-recorder.ts';

const WEBHOOK_SECRET = 'whsec_creditbook_test_secret';

/**
 * The Stripe provider against a local server that records what the official
 * `stripe` client sends, and Stripe's webhooks signed the way Stripe signs them
 * (the stripe package's own test header), good and bad.
 */
describe('the stripe payment provider', () => {
  let api: TestApi;
  let recorder: StripeRecorder;
  let eventCounter = 0;

  before(async () => {
    recorder = await StripeRecorder.start();
    api = await startTestApi({
      configure: (configuration) => ({
        ...configuration,
        payments: { ...configuration.payments, stripe: { secretKey: 'sk_test_recorded', webhookSecret: WEBHOOK_SECRET, host: '127.0.0.1', port: recorder.port, protocol: 'http' } },
      }),
    });
  });

  after(async () => {
    await api.close();
    await recorder.stop();
  });

  const buy = async (wallet: { customerId: string; unit: string }, extra: Record<string, unknown> = {}, idempotencyKey?: string) =>
    expectStatus(
      await api.post(
        '/v1/purchases',
        { ...wallet, amount: '1000', price: '5.00', provider: 'stripe', successUrl: 'https://shop.example/ok', cancelUrl: 'https://shop.example/no', ...extra },
        idempotencyKey === undefined ? {} : { idempotencyKey },
      ),
      201,
    );

  function stripeEvent(type: string, session: Record<string, unknown>): string {
    eventCounter += 1;
    return JSON.stringify({ id: `evt_test_${eventCounter}`, object: 'event', type, api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), data: { object: { object: 'checkout.session', ...session } } });
  }

  function notify(payload: string, signature: string | null): Promise<ApiResponse> {
    return api.request({
      method: 'POST',
      url: '/webhooks/stripe',
      key: null,
      payload,
      headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'stripe-signature': signature }) },
    });
  }

  const signed = (payload: string, secret = WEBHOOK_SECRET) => Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const completed = (sessionId: string, paymentIntent = 'pi_123') =>
    stripeEvent('checkout.session.completed', { id: sessionId, status: 'complete', payment_status: 'paid', payment_intent: paymentIntent });
  const purchaseOf = async (purchase: Json) => expectStatus(await api.get(`/v1/purchases/${purchase.id}`), 200);
  const grantOf = async (purchase: Json) => expectStatus(await api.get(`/v1/grants/${purchase.grantId}`), 200);

  it('creates a Checkout Session with the official client: one line, the price in minor units, the redirect URLs; a replay makes no second session', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const before = recorder.calls('POST /v1/checkout/sessions').length;
    const purchase = await buy(wallet, { paymentExpiresAt: iso(now + 2 * HOUR) }, 'stripe-buy-1');
    const calls = recorder.calls('POST /v1/checkout/sessions').slice(before);
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.equal(call!.headers.authorization, 'Bearer sk_test_recorded');

    assert.deepEqual(
      {
        mode: call!.form.mode,
        quantity: call!.form['line_items[0][quantity]'],
        unitAmount: call!.form['line_items[0][price_data][unit_amount]'],
        currency: call!.form['line_items[0][price_data][currency]'],
        name: call!.form['line_items[0][price_data][product_data][name]'],
        successUrl: call!.form.success_url,
        cancelUrl: call!.form.cancel_url,
        expiresAt: call!.form.expires_at,
        reference: call!.form.client_reference_id,
        metadata: call!.form['metadata[creditbook_purchase_id]'],
      },
      {
        mode: 'payment',
        quantity: '1',
        unitAmount: '500',
        currency: 'usd',
        name: `1000 ${wallet.unit}`,
        successUrl: 'https://shop.example/ok',
        cancelUrl: 'https://shop.example/no',
        expiresAt: String(Math.floor((now + 2 * HOUR) / 1000)),
        reference: purchase.id,
        metadata: purchase.id,
      },
    );
    assert.match(purchase.paymentSession.id, /^cs_test_recorded_\d+$/);
    assert.deepEqual(purchase.paymentSession, { id: purchase.paymentSession.id, url: `https://checkout.stripe.com/c/pay/${purchase.paymentSession.id}`, expiresAt: iso(now + 2 * HOUR), amount: 500 });
    assert.equal(purchase.provider, 'stripe');
    assert.equal((await grantOf(purchase)).status, 'payment_pending');

    // A replay answers from Creditbook's record: no second session.
    const replay = await api.post('/v1/purchases', { ...wallet, amount: '1000', price: '5.00', provider: 'stripe', successUrl: 'https://shop.example/ok', cancelUrl: 'https://shop.example/no', paymentExpiresAt: iso(now + 2 * HOUR) }, { idempotencyKey: 'stripe-buy-1' });
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body.id, purchase.id);
    assert.equal(recorder.calls('POST /v1/checkout/sessions').length, before + 1);
  });

  it('refuses a payment window Stripe would refuse', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const before = recorder.requests.length;
    await api.expectNoWrites(async () =>
      expectError(await api.post('/v1/purchases', { ...wallet, amount: '1', price: '1.00', provider: 'stripe', paymentExpiresAt: iso(now + 10 * 60_000) }), {
        status: 400,
        code: 'validation_error',
        param: 'paymentExpiresAt',
      }),
    );
    assert.equal(recorder.requests.length, before, 'nothing was sent to Stripe');
  });

  it('a bad, missing or mismatched signature is a 400 and changes nothing', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const payload = completed(purchase.paymentSession.id);
    for (const signature of [signed(payload, 'whsec_someone_else'), null, 't=1700000000,v1=deadbeef', signed(completed(purchase.paymentSession.id, 'pi_other'))]) {
      const response = await api.expectNoWrites(() => notify(payload, signature));
      expectError(response, { status: 400, code: 'validation_error', param: 'Stripe-Signature' });
    }
    // A signature older than the five-minute tolerance does not verify either.
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expectError(await api.expectNoWrites(() => notify(payload, stale)), { status: 400, code: 'validation_error' });
    assert.equal((await purchaseOf(purchase)).status, 'open');
    assert.equal((await grantOf(purchase)).status, 'payment_pending');
    assert.equal((await api.balance(wallet)).available, '0');
  });

  it('checkout.session.completed pays the purchase once, however often it arrives', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const payload = completed(purchase.paymentSession.id, 'pi_paid_1');
    const first = await notify(payload, signed(payload));
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { received: true, result: 'paid' });
    const paid = await purchaseOf(purchase);
    assert.deepEqual({ status: paid.status, invoice: paid.invoice.status, reference: paid.paymentReference }, { status: 'paid', invoice: 'paid', reference: 'pi_paid_1' });
    assert.equal((await grantOf(purchase)).status, 'active');
    assert.equal((await api.balance(wallet)).available, '1000');

    // Stripe retries: the same event again, and again with a fresh signature.
    for (const signature of [signed(payload), signed(payload)]) {
      const duplicate = await api.expectNoWrites(() => notify(payload, signature));
      assert.equal(duplicate.status, 200);
      assert.equal(duplicate.body.result, 'already_paid');
    }
    assert.equal((await api.balance(wallet)).available, '1000');
  });

  it('a refund creates one Stripe Refund on the PaymentIntent, keyed by the credit note; an outage leaves it pending and a retry resumes it', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const payload = completed(purchase.paymentSession.id, 'pi_refund_1');
    expectStatus(await notify(payload, signed(payload)), 200);
    await api.debit({ ...wallet, amount: '250' });
    const before = recorder.calls('POST /v1/refunds').length;
    // Stripe is down through all of the client's own retries: the credits are voided and the note is pending.
    recorder.failRefunds = 3;
    const pending = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, { amount: '500' }, { idempotencyKey: 'stripe-refund-1' }), 200);
    assert.deepEqual({ status: pending.status, credits: pending.credits, amount: pending.amount, attempts: pending.attempts }, { status: 'pending', credits: '500', amount: '2.50', attempts: 1 });
    assert.match(pending.lastError, /unknown error/);
    assert.equal((await api.balance(wallet)).available, '250');
    const eventsOf = async () =>
      (expectStatus(await api.get('/v1/events?type=purchase.refunded&limit=100'), 200).data as Json[]).filter((event) => event.data.purchaseId === purchase.id);
    assert.deepEqual(await eventsOf(), [], 'no purchase.refunded before the money is back');
    // The caller retries with the same key: the same credit note, settled now, by the same Stripe request.
    const done = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, { amount: '500' }, { idempotencyKey: 'stripe-refund-1' }), 200);
    assert.deepEqual({ id: done.id, status: done.status, reference: done.refundReference }, { id: pending.id, status: 'succeeded', reference: done.refundReference });
    assert.match(done.refundReference, /^re_recorded_/);
    const calls = recorder.calls('POST /v1/refunds').slice(before);
    assert.equal(calls.length, 4, 'three failed attempts and the one that refunded');
    for (const call of calls) {
      assert.equal(call.headers['idempotency-key'], `creditbook_${pending.id}`);
      assert.deepEqual({ intent: call.form.payment_intent, amount: call.form.amount, note: call.form['metadata[creditbook_credit_note_id]'] }, { intent: 'pi_refund_1', amount: '250', note: pending.id });
    }
    assert.equal((await eventsOf()).length, 1);
    assert.equal((await api.balance(wallet)).available, '250', 'the retry voided nothing more');
  });

  it('the background sweep settles a refund left pending once a minute has passed on its environment\'s clock', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const payload = completed(purchase.paymentSession.id, 'pi_refund_2');
    expectStatus(await notify(payload, signed(payload)), 200);
    recorder.failRefunds = 3;
    const pending = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, {}), 200);
    assert.equal(pending.status, 'pending');
    assert.equal(await settlePendingRefunds(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0, 'too young: its request may still be settling it');
    await api.advanceClock((await api.now()) + 2 * MINUTE);
    assert.equal(await settlePendingRefunds(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 1);
    const settled = expectStatus(await api.get(`/v1/credit-notes/${pending.id}`), 200);
    assert.deepEqual({ status: settled.status, amount: settled.amount }, { status: 'succeeded', amount: '5.00' });
    assert.equal(await settlePendingRefunds(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0);
  });

  it('a refund whose money rounds to 0.00 sends nothing to Stripe: the credit note succeeds at once with no reference, purchase.refunded once', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { price: '0.50' });
    const payload = completed(purchase.paymentSession.id, 'pi_refund_zero');
    expectStatus(await notify(payload, signed(payload)), 200);
    const before = recorder.calls('POST /v1/refunds').length;
    const note = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, { amount: '0.99' }, { idempotencyKey: 'stripe-refund-zero' }), 200);
    assert.deepEqual(
      { status: note.status, credits: note.credits, amount: note.amount, reference: note.refundReference },
      { status: 'succeeded', credits: '0.99', amount: '0.00', reference: null },
    );
    const replay = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, { amount: '0.99' }, { idempotencyKey: 'stripe-refund-zero' }), 200);
    assert.deepEqual({ id: replay.id, status: replay.status }, { id: note.id, status: 'succeeded' });
    assert.equal(recorder.calls('POST /v1/refunds').length, before, 'no Refund request was sent to Stripe');
    const events = (expectStatus(await api.get('/v1/events?type=purchase.refunded&limit=100'), 200).data as Json[]).filter((event) => event.data.purchaseId === purchase.id);
    assert.deepEqual(
      events.map((event) => ({ note: event.data.creditNoteId, amount: event.data.refundAmount, reference: event.data.refundReference })),
      [{ note: note.id, amount: '0.00', reference: null }],
    );
  });

  it('checkout.session.expired voids it; a completed that arrives after is not credited but recorded', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const expired = stripeEvent('checkout.session.expired', { id: purchase.paymentSession.id, status: 'expired', payment_status: 'unpaid', payment_intent: null });
    const response = await notify(expired, signed(expired));
    assert.deepEqual([response.status, response.body.result], [200, 'expired']);
    assert.deepEqual([(await purchaseOf(purchase)).status, (await grantOf(purchase)).status], ['expired', 'voided']);

    const late = completed(purchase.paymentSession.id, 'pi_late');
    const lateResponse = await notify(late, signed(late));
    assert.deepEqual([lateResponse.status, lateResponse.body.result], [200, 'late']);
    const after = await purchaseOf(purchase);
    assert.equal(after.status, 'expired');
    assert.equal(after.invoice.status, 'void');
    assert.equal(after.latePayment.reference, 'pi_late', 'kept for a refund');
    assert.equal((await grantOf(purchase)).available, '0');
    assert.equal((await api.balance(wallet)).available, '0');
    // The duplicate of the expiry changes nothing either.
    assert.equal((await api.expectNoWrites(() => notify(expired, signed(expired)))).body.result, 'unchanged');
  });

  it('other event types and sessions Creditbook did not make are acknowledged and ignored', async () => {
    const other = JSON.stringify({ id: 'evt_other', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } });
    const ignored = await api.expectNoWrites(() => notify(other, signed(other)));
    assert.deepEqual([ignored.status, ignored.body.result], [200, 'ignored']);
    const stranger = completed('cs_test_not_ours');
    const unknown = await api.expectNoWrites(() => notify(stranger, signed(stranger)));
    assert.deepEqual([unknown.status, unknown.body.result], [200, 'unknown_session']);
  });

  it('the expiry sweep expires the session at Stripe first, and completes it instead if Stripe says it was paid', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const unpaid = await buy(wallet, { paymentExpiresAt: iso(now + HOUR) });
    const paidAtStripe = await buy(wallet, { paymentExpiresAt: iso(now + HOUR) });
    recorder.complete(paidAtStripe.paymentSession.id, 'pi_raced');
    await api.advanceClock(now + HOUR);
    assert.equal(await expireDuePurchases(api.dependencies), 1);
    assert.equal(recorder.calls(`POST /v1/checkout/sessions/${unpaid.paymentSession.id}/expire`).length, 1);
    assert.equal(recorder.sessions.get(unpaid.paymentSession.id)!.status, 'expired');
    assert.deepEqual([(await purchaseOf(unpaid)).status, (await grantOf(unpaid)).status], ['expired', 'voided']);
    const raced = await purchaseOf(paidAtStripe);
    assert.deepEqual([raced.status, raced.paymentReference], ['paid', 'pi_raced']);
    assert.equal((await api.balance(wallet)).available, '1000');
  });

  it('auto top-up charges a saved Stripe payment method off-session, with an idempotency key; a card error is a decline', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '100' });
    const card = expectStatus(await api.post('/v1/payment-methods', { customerId: wallet.customerId, provider: 'stripe', stripePaymentMethod: 'pm_card_visa', stripeCustomer: 'cus_stripe_1' }), 201);
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, autoTopUp: { threshold: '50', amount: '200', unitPrice: '0.05', paymentMethodId: card.id } }), 200);
    await api.debit({ ...wallet, amount: '60' });
    const before = recorder.calls('POST /v1/payment_intents').length;
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    const [charge] = recorder.calls('POST /v1/payment_intents').slice(before);
    assert.deepEqual(
      { amount: charge!.form.amount, currency: charge!.form.currency, customer: charge!.form.customer, method: charge!.form.payment_method, offSession: charge!.form.off_session, confirm: charge!.form.confirm },
      { amount: '1000', currency: 'usd', customer: 'cus_stripe_1', method: 'pm_card_visa', offSession: 'true', confirm: 'true' },
    );
    assert.match(String(charge!.headers['idempotency-key']), /^creditbook-auto-top-up-atu_/);
    assert.equal((await api.balance(wallet)).available, '240');

    const declining = expectStatus(
      await api.post('/v1/payment-methods', { customerId: wallet.customerId, provider: 'stripe', stripePaymentMethod: 'pm_card_chargeDeclined', stripeCustomer: 'cus_stripe_1' }),
      201,
    );
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, autoTopUp: { threshold: '50', amount: '200', unitPrice: '0.05', paymentMethodId: declining.id } }), 200);
    await api.debit({ ...wallet, amount: '200' });
    assert.equal(await runAutoTopUps(api.dependencies), 1);
    const topUps = expectStatus(await api.get(`/v1/auto-top-ups?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
    assert.deepEqual(
      topUps.data.map((topUp: Json) => [topUp.status, topUp.reason]),
      [
        ['declined', 'generic_decline'],
        ['succeeded', null],
      ],
    );
    assert.equal((await api.balance(wallet)).available, '40');
  });

  describe('a bank debit that Stripe answers processing', () => {
    /** Ends the lease of the last run (an hour for a processing charge in real life), so the next run claims the top-up. */
    const leaseRunsOut = () => {
      const writer = new Database(api.databasePath);
      try {
        writer.prepare('UPDATE auto_top_ups SET claimed_until = 0 WHERE claimed_until IS NOT NULL').run();
      } finally {
        writer.close();
      }
    };
    const topUpsOf = async (wallet: { customerId: string; unit: string }) =>
      expectStatus(await api.get(`/v1/auto-top-ups?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200).data as Json[];

    /** A wallet at 40 credits whose auto top-up (200 credits for 10.00) has been charged once and answered `processing`. */
    async function processingTopUp() {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '100' });
      const debit = expectStatus(await api.post('/v1/payment-methods', { customerId: wallet.customerId, provider: 'stripe', stripePaymentMethod: 'pm_debit_processing', stripeCustomer: 'cus_stripe_1' }), 201);
      expectStatus(await api.post('/v1/balance-settings', { ...wallet, autoTopUp: { threshold: '50', amount: '200', unitPrice: '0.05', paymentMethodId: debit.id } }), 200);
      await api.debit({ ...wallet, amount: '60' });
      const creates = recorder.calls('POST /v1/payment_intents').length;
      assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0, 'nothing finished');
      assert.equal(recorder.calls('POST /v1/payment_intents').length, creates + 1);
      const [topUp] = await topUpsOf(wallet);
      const purchase = expectStatus(await api.get(`/v1/purchases/${topUp!.purchaseId}`), 200);
      const intentId = purchase.paymentReference as string;
      assert.equal(recorder.intents.get(intentId)?.status, 'processing');
      return { wallet, topUp: topUp!, purchase, intentId, creates };
    }

    it('leaves the top-up and its purchase open with no grant; once the PaymentIntent succeeds a later run pays it, once', async () => {
      const { wallet, topUp, purchase, intentId, creates } = await processingTopUp();
      assert.deepEqual([topUp.status, topUp.reason], ['processing', null]);
      assert.deepEqual([purchase.status, purchase.invoice.status], ['open', 'open']);
      assert.equal((await grantOf(purchase)).status, 'payment_pending');
      assert.equal((await api.balance(wallet)).available, '40', 'no credit before the money is in');

      // Still processing at the next run: still open, asked about by its ID, never charged again.
      leaseRunsOut();
      assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0);
      assert.equal(recorder.calls(`GET /v1/payment_intents/${intentId}`).length, 1);
      assert.equal((await purchaseOf(purchase)).status, 'open');

      recorder.settleIntent(intentId, 'succeeded');
      leaseRunsOut();
      assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 1);
      const paid = await purchaseOf(purchase);
      assert.deepEqual([paid.status, paid.invoice.status, paid.paymentReference], ['paid', 'paid', intentId]);
      assert.deepEqual((await topUpsOf(wallet)).map((row) => [row.status, row.reason]), [['succeeded', null]]);
      assert.equal((await api.balance(wallet)).available, '240');

      // Nothing left to run: no second grant, no second charge.
      leaseRunsOut();
      assert.equal(await runAutoTopUps(api.dependencies), 0);
      assert.equal((await api.balance(wallet)).available, '240');
      assert.equal(recorder.calls('POST /v1/payment_intents').length, creates + 1);
      const grants = expectStatus(await api.get(`/v1/grants?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200).data as Json[];
      assert.equal(grants.filter((grant) => grant.status === 'active').length, 2, 'the first grant and the top-up');
    });

    it('a debit that fails after processing is a decline: purchase failed, grant voided, backoff', async () => {
      const { wallet, purchase, intentId } = await processingTopUp();
      recorder.settleIntent(intentId, 'failed');
      leaseRunsOut();
      assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 1);
      assert.deepEqual((await topUpsOf(wallet)).map((row) => [row.status, row.reason]), [['declined', 'insufficient_funds']]);
      const failed = await purchaseOf(purchase);
      assert.deepEqual([failed.status, failed.invoice.status], ['failed', 'void']);
      assert.equal((await grantOf(purchase)).status, 'voided');
      assert.equal((await api.balance(wallet)).available, '40');
      const settings = expectStatus(await api.get(`/v1/balance-settings?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
      assert.equal(settings.autoTopUpState.inFlight, null);
      assert.equal(settings.autoTopUpState.declinesInARow, 1);
    });

    it('is looked at again past the run limit without being given up, and the purchase outlives the 24-hour window', async () => {
      const { wallet, purchase } = await processingTopUp();
      const now = await api.now();
      assert.ok(Date.parse(purchase.paymentExpiresAt) >= now + 29 * 24 * HOUR, 'the payment window was widened for the debit');
      for (let run = 0; run < MAX_TOP_UP_RUNS + 2; run += 1) {
        leaseRunsOut();
        assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0);
      }
      assert.deepEqual((await topUpsOf(wallet)).map((row) => row.status), ['processing']);
      // Past an auto top-up's usual 24-hour window, the expiry sweep leaves the settling purchase alone.
      await api.advanceClock(now + 2 * 24 * HOUR);
      await expireDuePurchases(api.dependencies);
      assert.equal((await purchaseOf(purchase)).status, 'open');
      assert.equal((await grantOf(purchase)).status, 'payment_pending');

      // Still processing 30 days on: given up, the wallet freed, nothing credited.
      await api.advanceClock(now + 31 * 24 * HOUR);
      await expireDuePurchases(api.dependencies);
      leaseRunsOut();
      assert.equal(await runAutoTopUps(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 1);
      assert.deepEqual((await topUpsOf(wallet)).map((row) => [row.status, row.reason]), [['skipped', 'payment_still_processing']]);
      assert.equal((await grantOf(purchase)).status, 'voided');
      const settings = expectStatus(await api.get(`/v1/balance-settings?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
      assert.equal(settings.autoTopUpState.inFlight, null);
    });
  });

  it('a top-up whose charge keeps failing with an error (not a decline) is given up after a few runs, freeing the wallet', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '100' });
    const broken = expectStatus(await api.post('/v1/payment-methods', { customerId: wallet.customerId, provider: 'stripe', stripePaymentMethod: 'pm_detached', stripeCustomer: 'cus_stripe_1' }), 201);
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, autoTopUp: { threshold: '50', amount: '200', unitPrice: '0.05', paymentMethodId: broken.id } }), 200);
    await api.debit({ ...wallet, amount: '60' });
    const errors: unknown[] = [];
    const writer = new Database(api.databasePath);
    try {
      for (let run = 1; run <= MAX_TOP_UP_RUNS; run += 1) {
        await runAutoTopUps(api.dependencies, { onError: (error) => errors.push(error) });
        // The lease of the failed run runs out (two minutes in real life).
        writer.prepare('UPDATE auto_top_ups SET claimed_until = 0 WHERE claimed_until IS NOT NULL').run();
      }
    } finally {
      writer.close();
    }
    assert.equal(errors.length, MAX_TOP_UP_RUNS);
    const [topUp] = expectStatus(await api.get(`/v1/auto-top-ups?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200).data;
    assert.equal(topUp.status, 'skipped');
    assert.match(topUp.reason, /^error: No such PaymentMethod/);
    const purchase = expectStatus(await api.get(`/v1/purchases/${topUp.purchaseId}`), 200);
    assert.deepEqual([purchase.status, purchase.invoice.status], ['failed', 'void']);
    const settings = expectStatus(await api.get(`/v1/balance-settings?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
    assert.equal(settings.autoTopUpState.inFlight, null, 'the next debit may try again');
    assert.equal((await api.balance(wallet)).available, '40');
  });

  it('after the retry window neither a client retry nor the sweep calls Stripe again: the note stays pending', async () => {
    // Last in this suite: it moves the shared clock a day on.
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    const payload = completed(purchase.paymentSession.id, 'pi_refund_late');
    expectStatus(await notify(payload, signed(payload)), 200);
    recorder.failRefunds = 3;
    const pending = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, {}, { idempotencyKey: 'stripe-refund-late' }), 200);
    assert.equal(pending.status, 'pending');
    await api.advanceClock((await api.now()) + REFUND_RETRY_WINDOW_MS);
    const before = recorder.calls('POST /v1/refunds').length;
    const retried = expectStatus(await api.post(`/v1/purchases/${purchase.id}/refund`, {}, { idempotencyKey: 'stripe-refund-late' }), 200);
    assert.deepEqual({ id: retried.id, status: retried.status, attempts: retried.attempts }, { id: pending.id, status: 'pending', attempts: pending.attempts });
    assert.equal(await settlePendingRefunds(api.dependencies, { onError: (error) => assert.fail(String(error)) }), 0);
    assert.equal(recorder.calls('POST /v1/refunds').length, before, 'Stripe may have forgotten the key: nothing was sent');
  });
});

/** The same provider configured the way a deployment does it: environment variables of the real `serve` command. */
describe('the stripe payment provider, configured by environment variables of the real serve command', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-stripe-'));
  let recorder: StripeRecorder;
  let served: ServedProcess;

  before(async () => {
    recorder = await StripeRecorder.start();
    served = await startServe({
      database: join(directory, 'stripe.db'),
      env: {
        STRIPE_SECRET_KEY: 'sk_test_from_env',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_HOST: '127.0.0.1',
        STRIPE_API_PORT: String(recorder.port),
        STRIPE_API_PROTOCOL: 'http',
      },
    });
  });

  after(async () => {
    await served?.stop();
    await recorder?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates the session at the configured host and completes the purchase from a signed webhook over HTTP', async () => {
    const call = apiClient(served.baseUrl, served.testKey!);
    await call('POST', '/v1/units', { code: 'credits', scale: 0 });
    const customerId = (await call('POST', '/v1/customers', {})).body.id;
    const purchase = await call('POST', '/v1/purchases', { customerId, unit: 'credits', amount: '300', price: '3.00', provider: 'stripe' });
    assert.equal(purchase.status, 201, JSON.stringify(purchase.body));
    const [created] = recorder.calls('POST /v1/checkout/sessions');
    assert.equal(created!.headers.authorization, 'Bearer sk_test_from_env');
    assert.equal(created!.form.success_url, `${served.baseUrl}/checkout/done`, 'without successUrl, Stripe returns the customer to the built-in page');

    const payload = JSON.stringify({
      id: 'evt_serve_1',
      object: 'event',
      type: 'checkout.session.completed',
      data: { object: { id: purchase.body.paymentSession.id, object: 'checkout.session', status: 'complete', payment_status: 'paid', payment_intent: 'pi_serve' } },
    });
    const post = (signature: string) =>
      fetch(`${served.baseUrl}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature }, body: payload });
    const forged = await post(Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_forged' }));
    assert.equal(forged.status, 400);
    assert.equal((await call('GET', `/v1/purchases/${purchase.body.id}`)).body.status, 'open');
    const genuine = await post(Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }));
    assert.equal(genuine.status, 200);
    const paid = await call('GET', `/v1/purchases/${purchase.body.id}`);
    assert.deepEqual([paid.body.status, paid.body.paymentReference], ['paid', 'pi_serve']);
    assert.equal((await call('GET', `/v1/balances?customerId=${customerId}&unit=credits`)).body.available, '300');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expireDuePurchases } from '../../src/app/purchases-expiry.ts';
import { DAY, expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi, type WalletInput } from '../support/test-api.ts';

/**
 * Purchases in-process (SQLite): the pending grant, payment through the hosted
 * test checkout, cancel and expiry, idempotency, duplicate and late payments,
 * and the events each transition writes.
 */
describe('purchases', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  const buy = async (wallet: WalletInput, extra: Record<string, unknown> = {}, options: { idempotencyKey?: string } = {}) =>
    expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '1000', price: '5.00', ...extra }, options), 201);

  /** The hosted checkout's path for a purchase (the session URL's host is the server's public URL). */
  const checkoutPath = (purchase: Json) => new URL(purchase.paymentSession.url).pathname;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const pay = (purchase: Json) => api.request({ method: 'POST', url: `${checkoutPath(purchase)}/pay`, key: null, payload: '', headers: form });
  const cancel = (purchase: Json) => api.request({ method: 'POST', url: `${checkoutPath(purchase)}/cancel`, key: null, payload: '', headers: form });
  const grantOf = async (purchase: Json) => expectStatus(await api.get(`/v1/grants/${purchase.grantId}`), 200);
  const purchaseOf = async (purchase: Json) => expectStatus(await api.get(`/v1/purchases/${purchase.id}`), 200);
  const eventsFor = async (id: string, key: 'purchaseId' | 'grantId' | 'invoiceId') => {
    const events = expectStatus(await api.get('/v1/events?limit=100'), 200).data as Json[];
    return events.filter((event) => event.data[key] === id).map((event) => event.type).reverse();
  };

  it('creates an open invoice, a session URL and a payment_pending grant that cannot be spent', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const purchase = await buy(wallet, { successUrl: 'https://shop.example/ok', cancelUrl: 'https://shop.example/no', metadata: { order: 'o_1' } });
    assert.match(purchase.id, /^pur_[0-9a-z]{26}$/);
    assert.match(purchase.invoiceId, /^inv_[0-9a-z]{26}$/);
    assert.deepEqual(
      { status: purchase.status, amount: purchase.amount, price: purchase.price, currency: purchase.currency, provider: purchase.provider, source: purchase.source },
      { status: 'open', amount: '1000', price: '5.00', currency: 'usd', provider: 'test', source: 'checkout' },
    );
    assert.deepEqual(
      { status: purchase.invoice.status, amount: purchase.invoice.amount, currency: purchase.invoice.currency, lines: purchase.invoice.lines },
      { status: 'open', amount: 500, currency: 'usd', lines: [{ description: `1000 ${wallet.unit}`, quantity: '1000', unit: wallet.unit, amount: 500 }] },
    );
    assert.match(purchase.paymentSession.url, /^http:\/\/[^/]+\/checkout\/cs_test_[A-Za-z0-9_-]{20,}$/);
    assert.equal(purchase.paymentSession.amount, 500);
    assert.equal(purchase.paymentExpiresAt, iso(now + DAY), 'the default payment window is 24 hours');

    const grant = await grantOf(purchase);
    assert.deepEqual(
      { status: grant.status, category: grant.category, amount: grant.amount, available: grant.available, cost: grant.cost, metadata: grant.metadata },
      { status: 'payment_pending', category: 'paid', amount: '1000', available: '0', cost: { amount: '5', currency: 'usd' }, metadata: { order: 'o_1' } },
    );
    const balance = await api.balance(wallet);
    assert.deepEqual({ available: balance.available, scheduled: balance.scheduled }, { available: '0', scheduled: '0' });
    expectError(await api.post('/v1/debits', { ...wallet, amount: '1' }), { status: 402, code: 'insufficient_balance' });
    assert.deepEqual(await eventsFor(purchase.id, 'purchaseId'), ['purchase.created']);
  });

  it('the hosted page shows what is bought and takes no API key', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { amount: '2500.5', price: '12.34' });
    const page = await api.request({ method: 'GET', url: checkoutPath(purchase), key: null });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(page.text.includes(`2500.5 ${wallet.unit}`), 'shows the credits as the API spells them');
    assert.ok(page.text.includes('12.34 USD'), 'shows the price as the API spells it');
    assert.ok(page.text.includes(purchase.invoiceId), 'shows the invoice');
    assert.match(page.text, /<button type="submit" class="pay" data-testid="pay">Pay 12\.34 USD<\/button>/);
    assert.match(page.text, /data-testid="cancel">Cancel</);
    const unknown = await api.request({ method: 'GET', url: '/checkout/cs_test_doesnotexist', key: null });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /Checkout not found/);
  });

  it('paying activates the grant, pays the invoice and redirects to successUrl, once', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { successUrl: 'https://shop.example/thanks' });
    const paid = await pay(purchase);
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.location, 'https://shop.example/thanks');

    const after = await purchaseOf(purchase);
    assert.equal(after.status, 'paid');
    assert.equal(after.invoice.status, 'paid');
    assert.match(after.paymentReference, /^pay_test_/);
    assert.equal(after.paidAt, iso(await api.now()));
    const grant = await grantOf(purchase);
    assert.deepEqual({ status: grant.status, available: grant.available, cost: grant.cost }, { status: 'active', available: '1000', cost: { amount: '5', currency: 'usd' } });
    assert.equal((await api.balance(wallet)).available, '1000');
    expectStatus(await api.post('/v1/debits', { ...wallet, amount: '1' }), 201);

    // A second Pay (a double click, a retried notification) changes nothing.
    const again = await pay(purchase);
    assert.equal(again.status, 303);
    assert.equal((await api.balance(wallet)).available, '999');
    assert.equal((await purchaseOf(purchase)).paymentReference, after.paymentReference, 'the first payment is kept');
    assert.deepEqual(await eventsFor(purchase.id, 'purchaseId'), ['purchase.created', 'purchase.paid', 'invoice.paid']);
    assert.deepEqual(await eventsFor(purchase.invoiceId, 'invoiceId'), ['purchase.created', 'purchase.paid', 'invoice.paid', 'invoice.paid.v0']);
    const ledger = expectStatus(await api.get(`/v1/ledger-entries?grantId=${purchase.grantId}`), 200);
    assert.equal(ledger.data.filter((entry: Json) => entry.type === 'grant').length, 1, 'one grant entry, however often it is paid');
  });

  it('a balance as of a moment before the payment still shows the grant pending, not scheduled', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { effectiveAt: iso(api.t0 + 10 * DAY) });
    const before = await api.now();
    const pending = await api.balance(wallet);
    await api.advanceClock(before + MINUTE);
    await pay(purchase);
    assert.equal((await grantOf(purchase)).status, 'scheduled', 'paid, effective later');
    assert.equal((await api.balance(wallet)).scheduled, '1000');
    const past = expectStatus(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}&at=${iso(before)}`), 200);
    assert.deepEqual({ available: past.available, scheduled: past.scheduled }, { available: pending.available, scheduled: pending.scheduled });
    assert.equal(past.scheduled, '0');
  });

  it('invoice.paid.v0 carries invoiceId and grantId for Paygentic-style consumers', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    await pay(purchase);
    const events = expectStatus(await api.get('/v1/events?type=invoice.paid.v0&limit=100'), 200).data as Json[];
    const event = events.find((candidate) => candidate.data.invoiceId === purchase.invoiceId);
    assert.ok(event, 'an invoice.paid.v0 event for this invoice');
    assert.equal(event.data.grantId, purchase.grantId);
  });

  it('cancel on the hosted page voids the invoice and the pending grant, and redirects to cancelUrl', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { cancelUrl: 'https://shop.example/cart' });
    const canceled = await cancel(purchase);
    assert.equal(canceled.status, 303);
    assert.equal(canceled.headers.location, 'https://shop.example/cart');
    const after = await purchaseOf(purchase);
    assert.deepEqual({ status: after.status, invoice: after.invoice.status }, { status: 'canceled', invoice: 'void' });
    assert.equal((await grantOf(purchase)).status, 'voided');
    // Paying a canceled checkout credits nothing; the page says so.
    const late = await pay(purchase);
    assert.equal(late.status, 303);
    assert.equal((await api.balance(wallet)).available, '0');
    const page = await api.request({ method: 'GET', url: checkoutPath(purchase), key: null });
    assert.match(page.text, /This checkout was canceled\. Nothing was charged\./);
    assert.doesNotMatch(page.text, /data-testid="pay"/);
    assert.deepEqual(await eventsFor(purchase.id, 'purchaseId'), ['purchase.created', 'purchase.canceled', 'invoice.voided']);
    // invoice.voided carries what invoice.paid does (docs/purchases-and-webhooks.md), and when it was voided.
    const voided = (expectStatus(await api.get('/v1/events?type=invoice.voided&limit=100'), 200).data as Json[]).find((event) => event.data.purchaseId === purchase.id)!;
    assert.deepEqual(Object.keys(voided.data).sort(), ['amount', 'currency', 'customerId', 'grantId', 'invoiceId', 'purchaseId', 'voidedAt']);
    assert.deepEqual([voided.data.grantId, voided.data.amount, voided.data.currency], [purchase.grantId, Number(String(purchase.price).replace('.', '')), purchase.currency]);
  });

  it('Pay and Cancel refuse a post from another site (Origin, Sec-Fetch-Site) and change nothing; the page itself may post', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet, { successUrl: 'https://shop.example/ok' });
    const forged: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: 'http://localhost:8081' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of forged) {
      for (const action of ['pay', 'cancel']) {
        const response = await api.expectNoWrites(() =>
          api.request({ method: 'POST', url: `${checkoutPath(purchase)}/${action}`, key: null, payload: '', headers: { ...form, ...headers } }),
        );
        assert.equal(response.status, 403, `${action} ${JSON.stringify(headers)}`);
        assert.match(response.text, /only from the checkout page itself/);
      }
    }
    assert.equal((await purchaseOf(purchase)).status, 'open');
    // The checkout page's own origin (the public URL, or the Host it was served from) may post.
    const own = { ...form, origin: new URL(purchase.paymentSession.url).origin, 'sec-fetch-site': 'same-origin' };
    const paid = await api.request({ method: 'POST', url: `${checkoutPath(purchase)}/pay`, key: null, payload: '', headers: own });
    assert.deepEqual([paid.status, paid.headers.location], [303, 'https://shop.example/ok']);
    const other = await buy(wallet);
    const byHost = await api.request({ method: 'POST', url: `${checkoutPath(other)}/cancel`, key: null, payload: '', headers: { ...form, origin: 'http://localhost', host: 'localhost:80' } });
    assert.equal(byHost.status, 303);
    assert.equal((await purchaseOf(other)).status, 'canceled');
  });

  it('POST /v1/purchases/{id}/cancel cancels an open purchase; a paid one is a conflict', async () => {
    const wallet = await api.wallet();
    const open = await buy(wallet);
    const canceled = expectStatus(await api.post(`/v1/purchases/${open.id}/cancel`), 200);
    assert.deepEqual({ status: canceled.status, invoice: canceled.invoice.status }, { status: 'canceled', invoice: 'void' });
    assert.equal(expectStatus(await api.post(`/v1/purchases/${open.id}/cancel`), 200).status, 'canceled', 'canceling again returns it');
    const paid = await buy(wallet);
    await pay(paid);
    await api.expectNoWrites(async () => expectError(await api.post(`/v1/purchases/${paid.id}/cancel`), { status: 409, code: 'state_conflict' }));
    assert.equal((await purchaseOf(paid)).status, 'paid');
  });

  it('an unpaid session expires: invoice void, grant voided, never spendable, and a late payment is not credited', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const purchase = await buy(wallet, { paymentExpiresAt: iso(now + 30 * MINUTE) });
    const untouched = await buy(wallet, { paymentExpiresAt: iso(now + 2 * HOUR) });
    await api.advanceClock(now + 30 * MINUTE);
    assert.equal(await expireDuePurchases(api.dependencies), 1, 'exactly the due purchase expires');
    assert.equal(await expireDuePurchases(api.dependencies), 0, 'and only once');
    const after = await purchaseOf(purchase);
    assert.deepEqual({ status: after.status, invoice: after.invoice.status }, { status: 'expired', invoice: 'void' });
    assert.equal((await grantOf(purchase)).status, 'voided');
    assert.equal((await purchaseOf(untouched)).status, 'open');

    // The customer clicks Pay on the stale page: nothing is credited.
    await pay(purchase);
    assert.equal((await purchaseOf(purchase)).status, 'expired');
    assert.equal((await grantOf(purchase)).available, '0');
    const balance = await api.balance(wallet);
    assert.deepEqual({ available: balance.available, scheduled: balance.scheduled }, { available: '0', scheduled: '0' });
    const history = expectStatus(await api.get(`/v1/ledger-entries?grantId=${purchase.grantId}`), 200);
    assert.deepEqual(history.data, [], 'the grant never had a ledger entry: it was never spendable');
    assert.deepEqual(await eventsFor(purchase.id, 'purchaseId'), ['purchase.created', 'purchase.expired', 'invoice.voided']);
  });

  it('a checkout past its window is expired when Pay is clicked, before any sweep', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const purchase = await buy(wallet, { paymentExpiresAt: iso(now + MINUTE) });
    await api.advanceClock(now + MINUTE);
    const response = await pay(purchase);
    assert.equal(response.status, 303);
    assert.equal(response.headers.location, purchase.paymentSession.url, 'back to the page, which now says it expired');
    assert.equal((await purchaseOf(purchase)).status, 'expired');
    assert.equal((await grantOf(purchase)).status, 'voided');
  });

  it('is idempotent: the same key replays without a new session; another request with it is a 409', async () => {
    const wallet = await api.wallet();
    const first = await buy(wallet, {}, { idempotencyKey: 'buy-1' });
    const counts = api.tableCounts();
    const replay = await api.post('/v1/purchases', { ...wallet, amount: '1000', price: '5.00' }, { idempotencyKey: 'buy-1' });
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, first);
    assert.deepEqual(api.tableCounts(), counts, 'a replay writes nothing');
    await api.expectNoWrites(async () =>
      expectError(await api.post('/v1/purchases', { ...wallet, amount: '999', price: '5.00' }, { idempotencyKey: 'buy-1' }), { status: 409, code: 'idempotency_conflict' }),
    );
  });

  it('a retry after the payment window has passed still replays the first response', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const body = { ...wallet, amount: '10', price: '1.00', paymentExpiresAt: iso(now + 30 * MINUTE) };
    const first = expectStatus(await api.post('/v1/purchases', body, { idempotencyKey: 'late-retry' }), 201);
    await api.advanceClock(now + HOUR);
    const retry = await api.post('/v1/purchases', body, { idempotencyKey: 'late-retry' });
    assert.deepEqual([retry.status, retry.headers['idempotent-replayed'], retry.body.id], [201, 'true', first.id]);
  });

  it('keeps the grant terms: expiry, priority, name, appliesTo, walletKey, effectiveAt', async () => {
    const wallet = await api.wallet();
    const now = await api.now();
    const purchase = await buy(
      { ...wallet, walletKey: 'seat_7' },
      { expiresAt: iso(now + 30 * DAY), effectiveAt: iso(now + DAY), priority: 5, name: 'Top-up', appliesTo: ['chat'], price: '19.99', currency: 'eur' },
    );
    assert.equal(purchase.walletKey, 'seat_7');
    assert.equal(purchase.invoice.amount, 1999);
    await pay(purchase);
    const grant = await grantOf(purchase);
    assert.deepEqual(
      { status: grant.status, expiresAt: grant.expiresAt, effectiveAt: grant.effectiveAt, priority: grant.priority, name: grant.name, appliesTo: grant.appliesTo, walletKey: grant.walletKey, cost: grant.cost },
      { status: 'scheduled', expiresAt: iso(now + 30 * DAY), effectiveAt: iso(now + DAY), priority: 5, name: 'Top-up', appliesTo: ['chat'], walletKey: 'seat_7', cost: { amount: '19.99', currency: 'eur' } },
    );
  });

  it('lists purchases and invoices newest first, with filters', async () => {
    const wallet = await api.wallet();
    const first = await buy(wallet);
    const second = await buy(wallet);
    await pay(second);
    const all = expectStatus(await api.get(`/v1/purchases?customerId=${wallet.customerId}`), 200);
    assert.deepEqual(all.data.map((purchase: Json) => purchase.id), [second.id, first.id]);
    const paid = expectStatus(await api.get(`/v1/purchases?customerId=${wallet.customerId}&status=paid`), 200);
    assert.deepEqual(paid.data.map((purchase: Json) => purchase.id), [second.id]);
    const page = expectStatus(await api.get(`/v1/purchases?customerId=${wallet.customerId}&limit=1`), 200);
    assert.deepEqual([page.data.length, page.hasMore], [1, true]);
    const invoices = expectStatus(await api.get(`/v1/invoices?customerId=${wallet.customerId}&status=open`), 200);
    assert.deepEqual(invoices.data.map((invoice: Json) => invoice.id), [first.invoiceId]);
    const invoice = expectStatus(await api.get(`/v1/invoices/${second.invoiceId}`), 200);
    assert.deepEqual({ id: invoice.id, status: invoice.status, purchaseId: invoice.purchaseId }, { id: second.invoiceId, status: 'paid', purchaseId: second.id });
  });

  it('another environment sees none of it', async () => {
    const wallet = await api.wallet();
    const purchase = await buy(wallet);
    expectError(await api.get(`/v1/purchases/${purchase.id}`, { key: api.liveKey }), { status: 404, code: 'not_found' });
    expectError(await api.get(`/v1/invoices/${purchase.invoiceId}`, { key: api.liveKey }), { status: 404, code: 'not_found' });
    const list = expectStatus(await api.get('/v1/purchases', { key: api.liveKey }), 200);
    assert.deepEqual(list.data, []);
  });

  it('a live environment cannot use the test provider, and stripe needs configuring', async () => {
    const wallet = await api.wallet({ key: api.liveKey });
    await api.expectNoWrites(async () =>
      expectError(await api.post('/v1/purchases', { ...wallet, amount: '10', price: '1.00', provider: 'test' }, { key: api.liveKey }), {
        status: 400,
        code: 'validation_error',
        param: 'provider',
      }),
    );
    await api.expectNoWrites(async () =>
      expectError(await api.post('/v1/purchases', { ...wallet, amount: '10', price: '1.00' }, { key: api.liveKey }), {
        status: 501,
        code: 'not_supported',
        type: 'api_error',
        message: 'STRIPE_SECRET_KEY',
      }),
    );
  });
});

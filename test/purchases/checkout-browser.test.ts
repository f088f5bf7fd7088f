import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { apiClient, startServe, type ServedProcess } from '../support/serve-process.ts';
import { WebhookReceiver } from '../webhooks/webhook-receiver.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/**
 * The whole purchase story against the real `serve` command: create a purchase
 * over HTTP, open its session URL in headless Chromium (Debian's chromium driven
 * by playwright-core), click Pay, land on the shop's successUrl; then the grant
 * is active, the invoice paid, and a local receiver got the webhooks and
 * verified them with the `standardwebhooks` library. Cancel takes the other road.
 * Screenshots of the checkout page go to test-artifacts/checkout.png and checkout-phone.png (390 px).
 */
describe('purchase through the hosted checkout in a real browser, against the real serve command', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-checkout-'));
  let served: ServedProcess;
  let call: ReturnType<typeof apiClient>;
  let receiver: WebhookReceiver;
  let shop: Server;
  let shopUrl = '';
  let browser: Browser;
  let customerId = '';

  before(async () => {
    served = await startServe({ database: join(directory, 'checkout.db'), env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', BACKGROUND_INTERVAL_MS: '100' } });
    assert.ok(served.testKey);
    call = apiClient(served.baseUrl, served.testKey);
    receiver = await WebhookReceiver.start();
    // The merchant's site the checkout sends customers back to.
    shop = createServer((request, response) => {
      const forged = new URL(request.url ?? '/', 'http://shop').searchParams.get('post');
      if (forged) {
        // Another site's page that posts to a checkout's Pay or Cancel as soon as it loads (cross-site request forgery).
        const form = `<form id="forged" method="post" action="${forged}"></form><script>document.getElementById('forged').submit()</script>`;
        response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Win a prize</title>${form}`);
        return;
      }
      const page = request.url?.startsWith('/thanks') ? 'Thanks for your purchase!' : 'Your cart';
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Shop</title><h1>${page}</h1>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

    assert.equal((await call('POST', '/v1/units', { code: 'ai_credits', scale: 2, name: 'AI credits' })).status, 201);
    const customer = await call('POST', '/v1/customers', { id: 'acme', name: 'Acme Inc' });
    assert.equal(customer.status, 201);
    customerId = customer.body.id;
    const endpoint = await call('POST', '/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['purchase.*', 'invoice.*', 'grant.*'] });
    assert.equal(endpoint.status, 201);
    receiver.useSecret(endpoint.body.secret);
  });

  after(async () => {
    await browser?.close();
    await served?.stop();
    await receiver?.stop();
    shop?.closeAllConnections();
    await new Promise<void>((resolve) => (shop ? shop.close(() => resolve()) : resolve()));
    rmSync(directory, { recursive: true, force: true });
  });

  const buy = async (amount: string, price: string) => {
    const response = await call('POST', '/v1/purchases', { customerId, unit: 'ai_credits', amount, price, successUrl: `${shopUrl}/thanks`, cancelUrl: `${shopUrl}/cart` }, { 'idempotency-key': `buy-${amount}-${price}` });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  };

  it('pays: grant active, invoice paid, webhooks received and verified', async () => {
    const purchase = await buy('1000', '5.00');
    assert.ok(purchase.paymentSession.url.startsWith(`${served.baseUrl}/checkout/cs_test_`), purchase.paymentSession.url);
    const pending = await call('GET', `/v1/grants/${purchase.grantId}`);
    assert.equal(pending.body.status, 'payment_pending');

    const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
    await page.goto(purchase.paymentSession.url);
    assert.equal(await page.title(), 'Pay 5.00 USD · Creditbook');
    assert.equal(await page.locator('h1').textContent(), 'Buy credits');
    assert.equal(await page.getByTestId('credits').textContent(), '1000 ai_credits');
    assert.equal(await page.getByTestId('price').textContent(), '5.00 USD');
    assert.equal(await page.getByTestId('pay').textContent(), 'Pay 5.00 USD');
    assert.ok(await page.getByTestId('cancel').isVisible());
    // The page is styled: the Pay button has its brand colour. (This runs in the browser; the tests' tsconfig has no DOM types.)
    const payColour = await page
      .getByTestId('pay')
      .evaluate((button) => (globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } }).getComputedStyle(button).backgroundColor);
    assert.equal(payColour, 'rgb(99, 91, 255)');
    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'checkout.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(statSync(screenshot).size > 10_000, 'the screenshot has content');
    // And on a phone: nothing wider than the screen, the price and the button whole.
    await page.setViewportSize({ width: 390, height: 760 });
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.equal(overflow, 0, 'the page scrolls sideways at 390 px');
    assert.equal(await page.getByTestId('price').textContent(), '5.00 USD');
    await page.screenshot({ path: join(ARTIFACTS, 'checkout-phone.png'), fullPage: true });

    await Promise.all([page.waitForURL(`${shopUrl}/thanks`), page.getByTestId('pay').click()]);
    assert.equal(await page.locator('h1').textContent(), 'Thanks for your purchase!');

    const paid = await call('GET', `/v1/purchases/${purchase.id}`);
    assert.deepEqual([paid.body.status, paid.body.invoice.status], ['paid', 'paid']);
    const grant = await call('GET', `/v1/grants/${purchase.grantId}`);
    assert.deepEqual([grant.body.status, grant.body.available, grant.body.cost], ['active', '1000', { amount: '5', currency: 'usd' }]);
    const balance = await call('GET', `/v1/balances?customerId=${customerId}&unit=ai_credits`);
    assert.equal(balance.body.available, '1000');

    await receiver.waitFor(() => receiver.ofType('invoice.paid.v0').length === 1 && receiver.ofType('purchase.paid').length === 1, 'the paid webhooks');
    assert.deepEqual(receiver.rejected, []);
    const [invoicePaid] = receiver.ofType('invoice.paid');
    assert.deepEqual([invoicePaid!.payload.data.invoiceId, invoicePaid!.payload.data.grantId, invoicePaid!.payload.data.amount], [purchase.invoiceId, purchase.grantId, 500]);
    const [paygentic] = receiver.ofType('invoice.paid.v0');
    assert.deepEqual([paygentic!.payload.data.invoiceId, paygentic!.payload.data.grantId], [purchase.invoiceId, purchase.grantId]);
    const events = await call('GET', '/v1/events?type=invoice.paid&limit=10');
    assert.equal(invoicePaid!.id, events.body.data[0].id, 'webhook-id is the outbox event ID');

    // Back to the session URL: it shows the payment, and has no Pay button any more.
    await page.goto(purchase.paymentSession.url);
    assert.match((await page.getByTestId('state').textContent()) ?? '', /Payment received/);
    assert.equal(await page.getByTestId('pay').count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'checkout-paid.png'), fullPage: true });
    await page.close();
  });

  it("another site's page cannot pay or cancel a checkout: 403, the purchase stays open", async () => {
    const purchase = await buy('300', '3.00');
    const page = await browser.newPage();
    for (const action of ['pay', 'cancel']) {
      const [response] = await Promise.all([
        page.waitForResponse((answer) => answer.url() === `${purchase.paymentSession.url}/${action}`),
        page.goto(`${shopUrl}/prize?post=${encodeURIComponent(`${purchase.paymentSession.url}/${action}`)}`),
      ]);
      assert.equal(response.status(), 403, action);
      await page.waitForURL(`${purchase.paymentSession.url}/${action}`);
      assert.equal(await page.locator('h1').textContent(), 'Not allowed');
    }
    await page.close();
    const still = await call('GET', `/v1/purchases/${purchase.id}`);
    assert.deepEqual([still.body.status, still.body.invoice.status], ['open', 'open']);
  });

  it('cancels: back to the cart, invoice void, grant voided, nothing spendable', async () => {
    const purchase = await buy('250', '2.00');
    const page = await browser.newPage();
    await page.goto(purchase.paymentSession.url);
    await Promise.all([page.waitForURL(`${shopUrl}/cart`), page.getByTestId('cancel').click()]);
    assert.equal(await page.locator('h1').textContent(), 'Your cart');
    await page.close();
    const canceled = await call('GET', `/v1/purchases/${purchase.id}`);
    assert.deepEqual([canceled.body.status, canceled.body.invoice.status], ['canceled', 'void']);
    const grant = await call('GET', `/v1/grants/${purchase.grantId}`);
    assert.deepEqual([grant.body.status, grant.body.available], ['voided', '0']);
    const balance = await call('GET', `/v1/balances?customerId=${customerId}&unit=ai_credits`);
    assert.equal(balance.body.available, '1000', 'only the first purchase counts');
    await receiver.waitFor(() => receiver.ofType('purchase.canceled').length === 1, 'the purchase.canceled webhook');
    assert.equal(receiver.ofType('purchase.canceled')[0]!.payload.data.purchaseId, purchase.id);
  });
});

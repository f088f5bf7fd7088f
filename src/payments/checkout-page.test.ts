import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromMinorUnits } from '../domain/amount.ts';
import type { InvoiceRecord, PurchaseRecord } from '../store/payment-records.ts';
import { formatMoment, formatMoney, renderCheckoutPage } from './checkout-page.ts';

const purchase: PurchaseRecord = {
  id: 'pur_1',
  environmentId: 'env_1',
  customerId: 'cus_<b>bold</b>',
  unit: 'credits',
  walletKey: '"><script>alert(1)</script>',
  walletId: 'wal_1',
  grantId: 'grt_1',
  invoiceId: 'inv_1',
  status: 'open',
  source: 'checkout',
  amount: fromMinorUnits(100050n, 2),
  priceMinor: 1234n,
  currency: 'usd',
  provider: 'test',
  sessionId: 'cs_test_abc',
  sessionUrl: 'http://localhost/checkout/cs_test_abc',
  paymentExpiresAt: 2_000_000_000_000,
  paymentReference: null,
  successUrl: 'https://shop.example/ok?a=1&b=2',
  cancelUrl: null,
  metadata: {},
  createdAt: 1_000_000_000_000,
  paidAt: null,
  closedAt: null,
  latePaymentReference: null,
  latePaymentAt: null,
};
const invoice = { id: 'inv_1' } as InvoiceRecord;

describe('the hosted checkout page', () => {
  it('escapes everything it shows', () => {
    const html = renderCheckoutPage({ purchase, invoice, now: 1_000_000_000_000, sessionId: 'cs_test_abc' });
    assert.ok(!html.includes('<script>'), 'no injected script');
    assert.ok(html.includes('&#34;&#62;&#60;script&#62;'), 'the wallet key is shown escaped');
    assert.ok(html.includes('cus_&#60;b&#62;bold&#60;/b&#62;'));
    assert.match(html, /action="cs_test_abc\/pay"/);
    assert.ok(html.includes('1000.5 credits'));
  });

  it('shows the outcome instead of the buttons once paid, with the way back escaped', () => {
    const html = renderCheckoutPage({ purchase: { ...purchase, status: 'paid', paidAt: 1_500_000_000_000 }, invoice, now: 1_600_000_000_000, sessionId: 'cs_test_abc' });
    assert.ok(!html.includes('data-testid="pay"'));
    assert.match(html, /Payment received/);
    assert.ok(html.includes('href="https://shop.example/ok?a=1&#38;b=2"'));
  });

  it('shows prices and moments as the API and the portal spell them', () => {
    assert.deepEqual([formatMoney(1234n, 'usd'), formatMoney(500n, 'jpy'), formatMoney(1234n, 'kwd'), formatMoney(123456789012n, 'eur')], ['12.34 USD', '500 JPY', '1.234 KWD', '1234567890.12 EUR']);
    assert.equal(formatMoment(Date.UTC(2026, 11, 13, 18, 3, 59)), '2026-12-13 18:03 UTC');
  });
});

import { formatAmount } from '../domain/amount.ts';
import type { Instant } from '../domain/types.ts';
import type { InvoiceRecord, PurchaseRecord } from '../store/payment-records.ts';
import { formatMinor } from './money.ts';

/**
 * The test provider's hosted checkout page: what is bought, for how much, and
 * Pay / Cancel. Its forms post to paths relative to the page, so it also works
 * behind a proxy that serves Creditbook under a path prefix. Plain HTML and inline CSS (no script, no external resource), so
 * it renders the same everywhere and its Content-Security-Policy can forbid
 * everything else. Every value from a request or the database is escaped.
 */
export interface CheckoutPageInput {
  purchase: PurchaseRecord;
  invoice: InvoiceRecord;
  now: Instant;
  sessionId: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * A price as the API spells it, with its currency's code: 500 usd → "5.00 USD". Amounts on a page are the API's
 * exact strings (the portal shows prices the same way), never regrouped or given a symbol.
 */
export function formatMoney(minor: bigint, currency: string): string {
  return `${formatMinor(minor, currency)} ${currency.toUpperCase()}`;
}

/** A moment as the console and portal show it: "2026-12-13 18:03 UTC". */
export function formatMoment(at: Instant): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function renderCheckoutPage(input: CheckoutPageInput): string {
  const { purchase, invoice, now, sessionId } = input;
  const price = formatMoney(purchase.priceMinor, purchase.currency);
  const credits = `${formatAmount(purchase.amount)} ${purchase.unit}`;
  const open = purchase.status === 'open' && now < purchase.paymentExpiresAt;
  const when: [string, number] =
    purchase.status === 'paid' ? ['Paid', purchase.paidAt!] : open ? ['Pay before', purchase.paymentExpiresAt] : ['Closed', purchase.closedAt ?? purchase.paymentExpiresAt];
  const summary = `
    <div class="item">
      <div>
        <div class="label">${purchase.status === 'paid' ? 'You bought' : open ? 'You are buying' : 'Not bought'}</div>
        <div class="credits" data-testid="credits">${escapeHtml(credits)}</div>
        ${purchase.walletKey ? `<div class="muted">Wallet ${escapeHtml(purchase.walletKey)}</div>` : ''}
      </div>
      <div class="price" data-testid="price">${escapeHtml(price)}</div>
    </div>
    <dl class="facts">
      <div><dt>Invoice</dt><dd>${escapeHtml(invoice.id)}</dd></div>
      <div><dt>Customer</dt><dd>${escapeHtml(purchase.customerId)}</dd></div>
      <div><dt>${when[0]}</dt><dd>${escapeHtml(formatMoment(when[1]))}</dd></div>
    </dl>`;
  let body: string;
  if (open) {
    body = `
    ${summary}
    <div class="card" aria-label="Test card">
      <div class="card-row"><span>Card</span><span class="mono">4242 4242 4242 4242</span></div>
      <div class="card-row"><span>Expiry</span><span class="mono">12 / 34</span><span>CVC</span><span class="mono">123</span></div>
    </div>
    <form method="post" action="${escapeHtml(sessionId)}/pay">
      <button type="submit" class="pay" data-testid="pay">Pay ${escapeHtml(price)}</button>
    </form>
    <form method="post" action="${escapeHtml(sessionId)}/cancel">
      <button type="submit" class="cancel" data-testid="cancel">Cancel</button>
    </form>`;
  } else if (purchase.status === 'paid') {
    body = `
    <div class="state ok" data-testid="state">✓ Payment received</div>
    ${summary}
    ${purchase.successUrl ? `<a class="pay link" href="${escapeHtml(purchase.successUrl)}">Continue</a>` : ''}`;
  } else {
    const reason = purchase.status === 'canceled' ? 'was canceled' : purchase.status === 'failed' ? 'failed' : 'has expired';
    body = `
    <div class="state closed" data-testid="state">This checkout ${reason}. Nothing was charged.</div>
    ${summary}
    ${purchase.cancelUrl ? `<a class="cancel link" href="${escapeHtml(purchase.cancelUrl)}">Back</a>` : ''}`;
  }
  return page(`Pay ${price} · Creditbook`, `
  <main class="panel">
    <header>
      <div class="brand"><span class="logo">◆</span> Creditbook</div>
      <span class="badge">Test mode</span>
    </header>
    <h1>Buy credits</h1>
    ${body}
    <footer>Test checkout: no real payment is taken.</footer>
  </main>`);
}

export function renderMessagePage(title: string, message: string): string {
  return page(`${title} · Creditbook`, `
  <main class="panel">
    <header><div class="brand"><span class="logo">◆</span> Creditbook</div></header>
    <h1>${escapeHtml(title)}</h1>
    <p class="muted">${escapeHtml(message)}</p>
  </main>`);
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>${content}
</body>
</html>`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:32px 16px;
  font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1f36;
  background:linear-gradient(135deg,#eef2ff 0%,#f6f9fc 55%,#e6fffa 100%)}
.panel{width:100%;max-width:440px;background:#fff;border-radius:16px;padding:28px 28px 20px;
  box-shadow:0 1px 2px rgba(16,24,40,.06),0 12px 32px rgba(50,50,93,.12)}
header{display:flex;justify-content:space-between;align-items:center;margin-bottom:8px}
.brand{font-weight:700;letter-spacing:.2px;color:#3c4257}
.logo{color:#635bff}
.badge{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.6px;color:#8a5a00;background:#fff4d6;border:1px solid #ffd98a;border-radius:999px;padding:2px 10px}
h1{font-size:22px;margin:12px 0 18px}
.item{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;padding:16px;border-radius:12px;background:#f6f8fb;border:1px solid #e3e8ee}
.label{font-size:12px;text-transform:uppercase;letter-spacing:.6px;color:#697386}
.credits{font-size:20px;font-weight:650}
.price{font-size:28px;font-weight:700;color:#1a1f36;white-space:nowrap}
.muted{color:#697386;font-size:13px}
.facts{margin:14px 0 18px;display:grid;gap:6px}
.facts div{display:flex;justify-content:space-between;gap:12px;font-size:13px}
.facts dt{color:#697386}.facts dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;color:#3c4257;text-align:right;word-break:break-all}
.card{border:1px solid #e3e8ee;border-radius:10px;padding:10px 14px;margin-bottom:18px;color:#3c4257;font-size:14px}
.card-row{display:flex;gap:12px;justify-content:space-between;padding:4px 0}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
form{margin:0}
button,.link{display:block;width:100%;border:0;border-radius:10px;padding:13px 16px;font:inherit;font-weight:650;cursor:pointer;text-align:center;text-decoration:none}
.pay{background:#635bff;color:#fff;box-shadow:0 2px 6px rgba(99,91,255,.35)}
.pay:hover{background:#5851e5}
.cancel{margin-top:10px;background:#fff;color:#3c4257;border:1px solid #d5dbe1}
.cancel:hover{background:#f6f8fb}
.state{padding:12px 14px;border-radius:10px;margin-bottom:14px;font-weight:600}
.state.ok{background:#e6f7ee;color:#0e6245;border:1px solid #b7ebcf}
.state.closed{background:#fdf0f0;color:#8a1c1c;border:1px solid #f4c7c7}
footer{margin-top:18px;text-align:center;font-size:12px;color:#8792a2}
`;

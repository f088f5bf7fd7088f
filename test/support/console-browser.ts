import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { apiClient, startServe, type ServedProcess } from './serve-process.ts';

/** Shared by the console's browser tests: the real `serve` command, Debian's chromium, and a seeded customer. */

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
export const DAY = 86_400_000;
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 900 };

export type ApiCall = ReturnType<typeof apiClient>;

export interface ConsoleBrowser {
  served: ServedProcess;
  call: ApiCall;
  browser: Browser;
  key: string;
  /** A screenshot to test-artifacts/console/<name>.png: the full page, or what the viewport shows (an open dialog). */
  shoot: (page: Page, name: string, options?: { fullPage: boolean }) => Promise<void>;
  /**
   * Both widths of the state the page is in (with a dialog open, what the viewport shows), after
   * checking that nothing is wider than a phone: no sideways scrolling, no table or dialog overflowing;
   * and, at both widths, that no table scrolls sideways and every amount is whole, on one line, inside its box.
   */
  shootBoth: (page: Page, name: string) => Promise<void>;
  /** A new page at `path`, signed in with the test key. */
  signedIn: (path: string, viewport?: { width: number; height: number }) => Promise<Page>;
  /** The API's balance of a customer's ai_credits. */
  balanceOf: (customerId: string) => Promise<{ available: string; held: string; [field: string]: unknown }>;
  stop: () => Promise<void>;
}

export async function startConsoleBrowser(env: Record<string, string> = {}): Promise<ConsoleBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-console-'));
  const served = await startServe({ database: join(directory, 'console.db'), env });
  const key = served.testKey!;
  const call = apiClient(served.baseUrl, key);
  // A browser that does not start (no /usr/bin/chromium) must not leave the server running: the test file would never end.
  const browser = await chromium
    .launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    .catch(async (error: unknown) => {
      await served.stop();
      throw error;
    });
  const shoot: ConsoleBrowser['shoot'] = async (page, name, { fullPage } = { fullPage: true }) => {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage });
    assert.ok(statSync(path).size > 10_000, `${name}.png has content`);
  };
  return {
    served,
    call,
    browser,
    key,
    shoot,
    shootBoth: async (page, name) => {
      const laptop = page.viewportSize()!;
      const fullPage = !(await page.getByRole('dialog').isVisible());
      await shoot(page, `${name}-desktop`, { fullPage });
      await fitsItsBoxes(page, `${name} (desktop)`);
      await page.setViewportSize(PHONE);
      // A chart follows the width on its next frame.
      await eventually(() => page.evaluate('document.documentElement.scrollWidth'), PHONE.width, `${name}: no sideways scrolling on a phone`);
      // Taken before the checks below, so a failing one leaves the picture that shows why.
      await shoot(page, `${name}-phone`, { fullPage });
      await fitsItsBoxes(page, `${name} (phone)`);
      // The console's menu (the portal and the sign-in page have none).
      if ((await page.locator('.topbar nav').count()) > 0) {
        assert.equal(await page.locator('.topbar nav').evaluate((nav: any) => nav.scrollWidth - nav.clientWidth), 0, `${name}: every item of the menu shows on a phone`);
      }
      if (!fullPage) assert.equal(await page.getByRole('dialog').evaluate((dialog: any) => dialog.scrollWidth - dialog.clientWidth), 0, `${name}: the dialog fits a phone`);
      await page.setViewportSize(laptop);
    },
    signedIn: async (path, viewport = LAPTOP) => {
      const page = await browser.newPage({ viewport, acceptDownloads: true });
      await page.goto(`${served.baseUrl}${path}`);
      await page.getByTestId('api-key').fill(key);
      await page.getByTestId('sign-in').click();
      return page;
    },
    balanceOf: async (customerId) => (await call('GET', `/v1/balances?customerId=${customerId}&unit=ai_credits`)).body,
    stop: async () => {
      await browser.close();
      await served.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * No table scrolls sideways, and every amount shown is whole: on one line (never wrapped inside its number) and
 * inside its box (its figure, cell, list item or card), not running over its neighbours or out of the card.
 */
async function fitsItsBoxes(page: Page, name: string): Promise<void> {
  const sideways = await page.locator('.table-wrap').evaluateAll((wraps: any[]) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth).map((wrap) => wrap.closest('section').querySelector('h2').textContent));
  assert.deepEqual(sideways, [], `${name}: every table fits without scrolling sideways`);
  const spilled = await page.locator('.amount-value').evaluateAll((values: any[]) =>
    values
      .filter((value) => {
        const lines = value.getClientRects().length;
        if (lines === 0) return false; // not shown (a closed dialog's)
        const box = value.closest('.figure, td, th, li, .card, .dialog, .notice, main').getBoundingClientRect();
        const own = value.getBoundingClientRect();
        return lines > 1 || own.left < box.left - 0.5 || own.right > box.right + 0.5;
      })
      .map((value) => value.textContent),
  );
  assert.deepEqual(spilled, [], `${name}: every amount on one line, inside its box`);
}

/** Polls until `read` gives `expected` (pages refetch after an action). */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    last = await read();
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what}: expected ${String(expected)}, still ${String(last)}`);
}

/**
 * The ai_credits unit (scale 2); customers acme (three grants, a week of daily
 * usage moving the test clock, and an active 12-credit hold for "batch") and globex (10 credits).
 */
export async function seedAcme(call: ApiCall): Promise<void> {
  assert.equal((await call('POST', '/v1/units', { code: 'ai_credits', scale: 2, name: 'AI credits' })).status, 201);
  for (const customer of [{ id: 'acme', name: 'Acme Inc', externalId: 'crm-4417' }, { id: 'globex', name: 'Globex' }]) {
    assert.equal((await call('POST', '/v1/customers', customer)).status, 201);
  }
  const now = Date.parse((await call('GET', '/v1/test-clock')).body.now);
  await call('POST', '/v1/test-clock/advance', { to: new Date(now).toISOString() });
  const grant = (body: Record<string, unknown>) => call('POST', '/v1/grants', { customerId: 'acme', unit: 'ai_credits', ...body });
  assert.equal((await grant({ amount: '500', name: 'Annual plan', category: 'paid' })).status, 201);
  assert.equal((await grant({ amount: '80.25', name: 'Welcome bonus', category: 'promotional', expiresAt: new Date(now + 8 * DAY).toISOString() })).status, 201);
  assert.equal((await grant({ amount: '40', name: 'Spring promo', category: 'promotional', expiresAt: new Date(now + 25 * DAY).toISOString() })).status, 201);
  assert.equal((await call('POST', '/v1/grants', { customerId: 'globex', unit: 'ai_credits', amount: '10' })).status, 201);
  for (let day = 1; day <= 6; day += 1) {
    await call('POST', '/v1/test-clock/advance', { to: new Date(now + day * DAY).toISOString() });
    const debit = await call('POST', '/v1/debits', { customerId: 'acme', unit: 'ai_credits', amount: `${7 + day}.5`, feature: day % 2 ? 'chat' : 'images' });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
  }
  assert.equal((await call('POST', '/v1/holds', { customerId: 'acme', unit: 'ai_credits', amount: '12', feature: 'batch', ttlSeconds: 86400 })).status, 201);
}

/** A purchase of `amount` credits of ai_credits for `price` (usd), paid on the test provider's hosted checkout. */
export async function buyCredits(harness: Pick<ConsoleBrowser, 'call'>, customerId: string, amount: string, price: string): Promise<{ id: string; grantId: string; [field: string]: any }> {
  const created = await harness.call('POST', '/v1/purchases', { customerId, unit: 'ai_credits', amount, price });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const paid = await fetch(`${created.body.paymentSession.url}/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
  assert.equal(paid.status, 303, 'paid at the hosted checkout');
  const purchase = await harness.call('GET', `/v1/purchases/${created.body.id}`);
  assert.equal(purchase.body.status, 'paid');
  return purchase.body;
}

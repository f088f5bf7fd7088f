import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buyCredits, DAY, eventually, seedAcme, startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser.ts';

/**
 * The console's finance views in Debian's chromium against the real `serve`
 * command: Refund on a customer's purchase (once, even on a double click; more
 * than is unused refused, nothing changed; none offered once nothing is unused)
 * and the revenue report page (every
 * figure the API's string; from after to refused with the API's error).
 * Screenshots, laptop and phone, go to test-artifacts/console/.
 */
const PARTS = ['openingDeferred', 'paid', 'recognised', 'breakage', 'refunds', 'closingDeferred'] as const;
type Json = Record<string, any>;

describe('console finance: refunds and the revenue report, in a real browser', () => {
  let harness: ConsoleBrowser;
  let { call, shootBoth, signedIn, balanceOf } = {} as ConsoleBrowser;
  /** Initech bought 300 credits for 100.00 and used 100 of them: 200 unused, a third of a cent each. */
  let initech: Json;
  let clockNow: number;

  /** What a refund must not move when it is refused. */
  const snapshot = async (purchase: Json) => ({
    balance: await balanceOf(purchase.customerId),
    grant: (await call('GET', `/v1/grants/${purchase.grantId}`)).body.available,
    notes: (await call('GET', `/v1/credit-notes?purchaseId=${purchase.id}&limit=100`)).body.data,
    ledger: (await call('GET', `/v1/ledger-entries?customerId=${purchase.customerId}&limit=100`)).body.data.length,
  });
  const report = async (query: Record<string, string>) => call('GET', `/v1/reports/revenue?${new URLSearchParams(query)}`);
  /** The identity as the page shows it: money and credits of each part, as text. */
  const shownIdentity = (page: Page) =>
    page.getByTestId('revenue-identity').locator('tbody tr').evaluateAll((rows: any[]) => rows.map((row) => [...row.querySelectorAll('.amount-value')].map((cell) => cell.textContent).join(' ')).join(' | '));
  const apiIdentity = (body: Json) => PARTS.map((part) => `${body[part].money} ${body[part].credits}`).join(' | ');
  /** Each grant row as the page shows it: its ID, then every money and credits string. */
  const shownGrants = (page: Page) =>
    page
      .getByTestId('revenue-grants')
      .locator('tbody tr')
      .evaluateAll((rows: any[]) => rows.map((row) => [row.querySelector('code').textContent, ...[...row.querySelectorAll('.amount-value')].map((cell) => cell.textContent)].join(' ')));
  const apiGrants = (body: Json) =>
    body.grants.data.map((row: Json) => [row.grantId, row.price, row.credits, ...PARTS.flatMap((part) => [row[part].money, row[part].credits])].join(' '));
  /** A minute as the URL keeps it (UTC): "2026-12-01T00:00". */
  const minute = (at: number) => new Date(at).toISOString().slice(0, 16);
  /** The same minute as a UTC field shows and takes it, 24-hour: "2026-12-01 00:00". */
  const typed = (at: number) => minute(at).replace('T', ' ');

  before(async () => {
    harness = await startConsoleBrowser();
    ({ call, shootBoth, signedIn, balanceOf } = harness);
    await seedAcme(call);
    for (const customer of [{ id: 'initech', name: 'Initech' }, { id: 'umbrella', name: 'Umbrella' }, { id: 'hooli', name: 'Hooli' }]) {
      assert.equal((await call('POST', '/v1/customers', customer)).status, 201);
    }
    initech = await buyCredits(harness, 'initech', '300', '100.00');
    assert.equal((await call('POST', '/v1/debits', { customerId: 'initech', unit: 'ai_credits', amount: '100' })).status, 201);
    clockNow = Date.parse((await call('GET', '/v1/test-clock')).body.now);
  });

  after(async () => {
    await harness?.stop();
  });

  it('refunds a purchase once on a double click, part and then all unused; more than is unused is refused and changes nothing', async () => {
    const page = await signedIn('/console/customers/initech');
    const button = page.getByTestId(`refund-${initech.id}`);
    const dialog = page.getByRole('dialog');
    const row = page.getByTestId(`purchase-${initech.id}`);
    await row.getByText('none').waitFor();
    /** The row's credit notes as shown: money, status and credits of each. */
    const shownNotes = () =>
      row.locator('li').evaluateAll((items: any[]) => items.map((item) => [...item.querySelectorAll('.amount, .badge')].map((part) => part.textContent).join(' ')).join(' | '));

    // 250 of 200 unused: the API's 409 in the dialog, nothing booked or refunded.
    const start = await snapshot(initech);
    assert.deepEqual([start.balance.available, start.grant, start.notes], ['200', '200', []]);
    await button.click();
    assert.equal(await dialog.getByTestId('refund-unused').locator('.amount-value').textContent(), '200', 'the unused credit, as the API states it');
    await dialog.getByLabel('Credits to refund (ai_credits)').fill('250');
    await dialog.getByTestId('confirm').click();
    await dialog.getByRole('alert').waitFor();
    assert.match((await dialog.getByRole('alert').textContent()) ?? '', /^state_conflict: Only 200 credits of grant '[^']+' are unused/);
    assert.deepEqual(await snapshot(initech), start, 'nothing changed');
    await shootBoth(page, 'refund-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // 50 credits, double-clicked: one credit note, 16.67 (round(100.00 × 150/300) − 33.33), 150 left.
    await button.click();
    assert.equal(await dialog.getByLabel('Credits to refund (ai_credits)').inputValue(), '', 'a new refund starts blank');
    await dialog.getByLabel('Credits to refund (ai_credits)').fill('50');
    await dialog.getByTestId('confirm').dblclick();
    await dialog.waitFor({ state: 'hidden' });
    const partial = await snapshot(initech);
    assert.deepEqual(
      partial.notes.map((note: Json) => [note.credits, note.amount, note.currency, note.status]),
      [['50', '16.67', 'usd', 'succeeded']],
      'refunded once',
    );
    assert.deepEqual([partial.balance.available, partial.grant], ['150', '150']);
    await row.getByTestId(`credit-note-${partial.notes[0].id}`).waitFor();
    assert.equal(await shownNotes(), '16.67 USD succeeded 50 ai_credits', 'the credit note as the API states it');

    // Left blank: every unused credit, double-clicked, once more.
    await button.click();
    await eventually(() => dialog.getByTestId('refund-unused').locator('.amount-value').textContent(), '150', 'the unused credit after the first refund');
    await dialog.getByTestId('confirm').dblclick();
    await dialog.waitFor({ state: 'hidden' });
    const all = await snapshot(initech);
    assert.deepEqual(
      all.notes.map((note: Json) => [note.credits, note.amount, note.status]),
      [['150', '50.00', 'succeeded'], ['50', '16.67', 'succeeded']],
      'one more credit note: 33.33 recognised + 16.67 + 50.00 refunded = 100.00',
    );
    assert.deepEqual([all.balance.available, all.grant], ['0', '0']);
    await eventually(() => page.getByTestId('available-ai_credits').locator('.amount-value').textContent(), '0', 'the balance shown after the refunds');
    assert.equal(await page.getByTestId('depletes-at').textContent(), 'nothing left to spend', 'an empty wallet does not "run out" later');
    await eventually(shownNotes, '50.00 USD succeeded 150 ai_credits | 16.67 USD succeeded 50 ai_credits', "the purchase row's refunds");
    const events = (await call('GET', '/v1/events?type=purchase.refunded&limit=100')).body.data;
    assert.equal(events.length, 2, 'purchase.refunded once per refund');
    await shootBoth(page, 'refund');

    // Nothing unused now: the dialog says so and offers no refund.
    await button.click();
    await dialog.getByTestId('refund-nothing').waitFor();
    assert.equal(await dialog.getByTestId('refund-unused').locator('.amount-value').textContent(), '0');
    assert.equal(await dialog.getByTestId('confirm').isDisabled(), true, 'no refund to confirm');
    assert.equal(await dialog.getByLabel('Credits to refund (ai_credits)').count(), 0, 'no amount to enter');
    await shootBoth(page, 'refund-nothing-left');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(await snapshot(initech), all, 'nothing changed');
    await page.close();
  });

  it("shows the report's identity, its credits-only part and its grants, paged, as the API's strings; from after to is refused", async () => {
    // Umbrella: bought 300 for 100.00, used 100, the rest refunded through the API; Hooli: 21 paid grants with a cost, for paging.
    const umbrella = await buyCredits(harness, 'umbrella', '300', '100.00');
    assert.equal((await call('POST', '/v1/debits', { customerId: 'umbrella', unit: 'ai_credits', amount: '100' })).status, 201);
    assert.equal((await call('POST', `/v1/purchases/${umbrella.id}/refund`, {})).status, 200);
    for (let index = 1; index <= 21; index += 1) {
      const grant = await call('POST', '/v1/grants', { customerId: 'hooli', unit: 'ai_credits', amount: '10', category: 'paid', cost: { amount: `${index}.00`, currency: 'usd' } });
      assert.equal(grant.status, 201, JSON.stringify(grant.body));
    }
    // A period ends just before `to`: with the clock frozen, what was booked at its time enters "to now" once it moves on.
    clockNow += 60_000;
    assert.equal((await call('POST', '/v1/test-clock/advance', { to: new Date(clockNow).toISOString() })).status, 200);

    // The default: the clock's month to now, in the latest purchase's currency, every customer.
    const page = await signedIn('/console/revenue');
    await page.getByTestId('revenue-identity').waitFor();
    assert.match((await page.getByTestId('frozen-clock').textContent()) ?? '', new RegExp(`frozen at ${minute(clockNow).replace('T', ' ')} UTC`));
    const from = new Date(clockNow - 60_000);
    const monthStart = minute(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
    assert.equal(await page.getByTestId('revenue-from').inputValue(), monthStart.replace('T', ' '));
    assert.equal(await page.getByTestId('revenue-currency').inputValue(), 'usd');
    const to = (await page.getByTestId('revenue-period').locator('time').nth(1).getAttribute('datetime'))!;
    const whole = (await report({ from: `${monthStart}:00.000Z`, to, currency: 'usd', limit: '20' })).body;
    assert.equal(await shownIdentity(page), apiIdentity(whole), 'every figure is the API string');
    assert.equal(whole.closed, false);
    assert.match((await page.getByTestId('revenue-closed').textContent()) ?? '', /^Open: /);
    const withoutRevenue = await page
      .getByTestId('without-revenue')
      .locator('tbody tr')
      .evaluateAll((rows: any[]) => rows.map((row) => [row.cells[0].textContent, ...[...row.querySelectorAll('.amount-value')].map((cell) => cell.textContent)].join(' ')));
    assert.deepEqual(
      withoutRevenue,
      whole.withoutRevenue.map((row: Json) => [row.kind.replace(/_/g, ' '), row.opening, row.granted, row.consumed, row.expiredOrVoided, row.closing].join(' ')),
      'the credits-only part',
    );
    assert.deepEqual(await shownGrants(page), apiGrants(whole), 'the first page of grants');
    assert.equal(whole.grants.data.length, 20);
    await shootBoth(page, 'revenue');

    // The second page is the API's page after the first one's last grant, over the same period.
    await page.getByTestId('revenue-next').click();
    const second = (await report({ from: `${monthStart}:00.000Z`, to, currency: 'usd', limit: '20', startingAfter: whole.grants.data.at(-1).grantId })).body;
    assert.ok(second.grants.data.length >= 2);
    await eventually(async () => (await shownGrants(page)).join('\n'), apiGrants(second).join('\n'), 'the second page of grants');
    assert.equal(await shownIdentity(page), apiIdentity(whole), 'the same totals on every page');

    // One customer: 0.00 + 100.00 − 33.33 − 0.00 − 66.67 = 0.00, as the API says.
    await page.getByTestId('revenue-customer').fill('umbrella');
    await page.getByTestId('revenue-apply').click();
    await page.waitForURL(/customerId=umbrella/);
    const expected = '0.00 USD 0 | 100.00 USD 300 | 33.33 USD 100 | 0.00 USD 0 | 66.67 USD 200 | 0.00 USD 0';
    const identityText = () => page.getByTestId('revenue-identity').locator('tbody tr').evaluateAll((rows: any[]) => rows.map((row) => [...row.querySelectorAll('.amount')].map((cell) => cell.textContent).join(' ')).join(' | '));
    await eventually(identityText, expected, "umbrella's identity");
    const one = (await report({ from: `${monthStart}:00.000Z`, currency: 'usd', customerId: 'umbrella' })).body;
    assert.equal(await shownIdentity(page), apiIdentity(one));
    assert.deepEqual(await shownGrants(page), apiGrants(one));

    // A period that ended over a minute ago is closed.
    await page.goto(`${harness.served.baseUrl}/console/revenue?from=${minute(clockNow - DAY)}&to=${minute(clockNow - 3_600_000)}&currency=usd`);
    await page.getByTestId('revenue-closed').getByText(/^Closed: /).waitFor();

    // From after to: the API's 400 shown as it is, and no figures.
    await page.getByTestId('revenue-from').fill(typed(clockNow));
    await page.getByTestId('revenue-to').fill(typed(clockNow - DAY));
    await page.getByTestId('revenue-apply').click();
    const refused = await report({ from: `${minute(clockNow)}:00.000Z`, to: `${minute(clockNow - DAY)}:00.000Z`, currency: 'usd' });
    assert.equal(refused.status, 400);
    await page.getByRole('alert').waitFor();
    // The alert's text, then the request's ID below it.
    assert.equal(await page.getByRole('alert').evaluate((alert: any) => alert.firstChild.textContent), `${refused.body.error.code}: ${refused.body.error.message}`);
    assert.match(refused.body.error.message, /from/);
    assert.equal(await page.getByTestId('revenue-identity').count(), 0, 'no figures for a refused period');
    assert.equal(await page.getByRole('form', { name: 'Report period' }).count(), 1, 'one form, keeping what was typed');
    assert.equal(await page.getByTestId('revenue-to').inputValue(), typed(clockNow - DAY));
    await shootBoth(page, 'revenue-refused');

    // A day that does not exist (2027 is no leap year) is named under its field; the period shown stays as it was.
    const shown = page.url();
    await page.getByTestId('revenue-from').fill('2027-02-29 00:00');
    await page.getByTestId('revenue-apply').click();
    assert.equal(await page.getByTestId('revenue-from-error').textContent(), '2027-02-29 is not a real date (February 2027 has 28 days)');
    assert.equal(page.url(), shown, 'not applied');
    await page.close();
  });
});

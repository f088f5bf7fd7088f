import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, LAPTOP, PHONE, seedAcme, startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser.ts';

/**
 * A support person's actions on a customer's page, in Debian's chromium against
 * the real `serve` command: debit, release a hold, create a purchase link. Each
 * books exactly once (checked through the API) and the page then shows the API's
 * strings; each bad input shows its error in the dialog and changes nothing.
 * Void and Expire are offered only on a grant with something left, dialogs name
 * their ID whole on a phone, and a grant's expiry is typed as a UTC 24-hour time.
 * Screenshots of every resulting state, laptop and phone, go to test-artifacts/console/.
 */
describe('console actions on a customer, in a real browser', () => {
  let harness: ConsoleBrowser;
  let { call, shoot, shootBoth, signedIn, balanceOf } = {} as ConsoleBrowser;

  /** The customer page at laptop width, with the API's balance shown. */
  const customerPage = async () => {
    const page = await signedIn('/console/customers/acme');
    await page.getByTestId('available-ai_credits').waitFor();
    return page;
  };
  const shownAvailable = (page: Page) => page.getByTestId('available-ai_credits').locator('.amount-value').textContent();
  /** What must not move when an action is refused. */
  const snapshot = async () => ({
    balance: await balanceOf('acme'),
    ledger: (await call('GET', '/v1/ledger-entries?customerId=acme&limit=100')).body.data.length,
    debits: (await call('GET', '/v1/debits?customerId=acme&limit=100')).body.data.length,
    holds: (await call('GET', '/v1/holds?customerId=acme&limit=100')).body.data.map((hold: { id: string; status: string }) => `${hold.id}:${hold.status}`),
    purchases: (await call('GET', '/v1/purchases?customerId=acme&limit=100')).body.data.length,
  });
  /** The page's recent ledger entries are the API's latest ten: type, amount and balance after, character for character. */
  const ledgerFollows = async (page: Page) => {
    const entries = (await call('GET', '/v1/ledger-entries?customerId=acme&limit=10')).body.data;
    const expected = entries.map((entry: { type: string; amount: string; balanceAfter: string }) => `${entry.type} ${entry.amount} ${entry.balanceAfter}`).join(' | ');
    const shown = () =>
      page
        .getByTestId('ledger-table')
        .locator('tbody tr')
        .evaluateAll((rows: any[]) => rows.map((row) => [row.querySelector('.entry-type'), ...row.querySelectorAll('.amount-value')].map((cell) => cell.textContent).join(' ')).join(' | '));
    await eventually(shown, expected, 'the recent ledger entries');
  };

  /**
   * How the open dialog's title shows `id`: the lines its characters take (1: never broken inside) and whether
   * it stays inside the dialog or is cut with an ellipsis, the whole ID in its tooltip.
   */
  const titleId = (page: Page, id: string) =>
    page.getByRole('dialog').locator('h3').evaluate((heading: any, id: string) => {
      const { document, NodeFilter, getComputedStyle } = globalThis as any;
      const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent!.indexOf(id);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + id.length);
        const lines = new Set([...range.getClientRects()].map((rect: { top: number }) => Math.round(rect.top))).size;
        const box = heading.closest('dialog').getBoundingClientRect();
        const holder = node.parentElement;
        const inside = range.getBoundingClientRect().right <= box.right + 0.5 || (holder.scrollWidth > holder.clientWidth && holder.title === id && getComputedStyle(holder).textOverflow === 'ellipsis');
        return { lines, inside };
      }
      return { lines: 0, inside: false };
    }, id);

  before(async () => {
    harness = await startConsoleBrowser();
    ({ call, shoot, shootBoth, signedIn, balanceOf } = harness);
    await seedAcme(call);
  });

  after(async () => {
    await harness?.stop();
  });

  it('debits from the page once, even on a double click; more than the balance is refused with the API error and books nothing', async () => {
    const page = await customerPage();
    const start = await snapshot();
    assert.deepEqual([start.balance.available, start.balance.held], ['542.25', '12'], 'the seeded balance');

    await page.getByTestId('debit').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount (ai_credits)').fill('7.25');
    await dialog.getByLabel('Feature (optional)').fill('support');
    await dialog.getByTestId('confirm').dblclick();
    await dialog.waitFor({ state: 'hidden' });
    const debits = (await call('GET', '/v1/debits?customerId=acme&limit=100')).body.data;
    assert.equal(debits.length, start.debits + 1, 'booked once');
    assert.deepEqual([debits[0].amount, debits[0].consumed, debits[0].feature], ['7.25', '7.25', 'support']);
    assert.equal((await balanceOf('acme')).available, '535');
    await eventually(() => shownAvailable(page), '535', 'the balance shown after the debit');
    const booked = (await call('GET', '/v1/ledger-entries?customerId=acme&type=debit&limit=100')).body.data.filter((entry: { debitId: string }) => entry.debitId === debits[0].id);
    assert.deepEqual(booked.map((entry: { amount: string }) => entry.amount), ['-5', '-2.25'], 'one debit, drawn from the two grants that expire first');
    await ledgerFollows(page);
    await shootBoth(page, 'action-debit');

    // More than is available, with the API's default policy (reject): the dialog shows the 402 and stays open.
    const before = await snapshot();
    await page.getByTestId('debit').click();
    assert.deepEqual(await dialog.locator('input').evaluateAll((inputs: any[]) => inputs.map((input) => input.value)), ['', ''], 'a new debit starts blank');
    await dialog.getByLabel('Amount (ai_credits)').fill('535.01');
    await dialog.getByTestId('confirm').click();
    await dialog.getByRole('alert').waitFor();
    assert.match((await dialog.getByRole('alert').textContent()) ?? '', /^insufficient_balance: /);
    assert.deepEqual(await snapshot(), before, 'nothing changed');
    assert.equal(await shownAvailable(page), '535');
    await shootBoth(page, 'action-debit-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.close();
  });

  it('grants nothing on bad input: "1.2.3" is named before sending; "-5", a huge amount, too many decimals and a past expiry get the API error as it is', async () => {
    const page = await customerPage();
    const before = await snapshot();
    const grants = async () => (await call('GET', '/v1/grants?customerId=acme&includeVoided=true&limit=100')).body.data.length;
    const grantCount = await grants();
    await page.getByTestId('grant-credits').click();
    const dialog = page.getByRole('dialog');
    const amount = dialog.getByLabel('Amount (ai_credits)');
    /** The alert's text without the request ID below it. */
    const alertText = () => dialog.getByRole('alert').evaluate((alert: any) => alert.firstChild.textContent);
    /** What the API answers a grant of `amount` (and `expiresAt`), to compare with what the dialog shows. */
    const apiRefusal = async (body: Record<string, string>) => {
      const refused = await call('POST', '/v1/grants', { customerId: 'acme', unit: 'ai_credits', category: 'promotional', ...body });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      return `${refused.body.error.code}: ${refused.body.error.message}`;
    };

    // Not a number: named by its label in the dialog, with the focus on it, before anything is sent.
    await amount.fill('1.2.3');
    await dialog.getByTestId('confirm').click();
    assert.equal(await dialog.getByRole('alert').textContent(), 'Amount (ai_credits): enter a number such as 12.50');
    assert.equal(await page.evaluate('document.activeElement.name'), 'amount', 'the bad field has the focus');

    // A number the API refuses: its own words, not the page's guess.
    for (const [typed, expected] of [
      ['-5', /'amount' must be greater than zero/],
      ['1' + '0'.repeat(30), /more than 25 digits before the decimal point/],
      ['1.234', /more decimal places than its unit allows \(2\)/],
    ] as const) {
      await amount.fill(typed);
      await dialog.getByTestId('confirm').click();
      const message = await apiRefusal({ amount: typed });
      assert.match(message, expected);
      await eventually(alertText, message, `the API's error for ${typed}`);
      if (typed.length > 20) await shootBoth(page, 'action-grant-refused');
    }

    // A valid amount with an expiry already past (the test clock's 2020 is long gone).
    await amount.fill('5');
    await dialog.getByLabel('Expires at, UTC (optional)').fill('2020-01-01 00:00');
    await dialog.getByTestId('confirm').click();
    const past = await apiRefusal({ amount: '5', expiresAt: '2020-01-01T00:00:00.000Z' });
    assert.match(past, /expiresAt must be later/);
    await eventually(alertText, past, 'the API error for a past expiry');

    assert.deepEqual(await snapshot(), before, 'nothing changed');
    assert.equal(await grants(), grantCount, 'no grant made');
    assert.equal(await shownAvailable(page), before.balance.available);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.close();
  });

  it('releases a hold once; releasing a hold captured meanwhile shows the API error and changes nothing', async () => {
    const created = await call('POST', '/v1/holds', { customerId: 'acme', unit: 'ai_credits', amount: '3.5', feature: 'export', ttlSeconds: 86400 });
    assert.equal(created.status, 201);
    const [batch] = (await call('GET', '/v1/holds?customerId=acme&status=active&limit=100')).body.data.filter((hold: { feature: string }) => hold.feature === 'batch');
    const page = await customerPage();
    await page.getByTestId(`release-${created.body.id}`).waitFor();

    // The page still offers Release for a hold that another system captured a moment ago.
    assert.equal((await call('POST', `/v1/holds/${created.body.id}/capture`, {})).status, 200);
    const before = await snapshot();
    await page.getByTestId(`release-${created.body.id}`).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('confirm').click();
    await dialog.getByRole('alert').waitFor();
    assert.match((await dialog.getByRole('alert').textContent()) ?? '', /^state_conflict: /);
    assert.deepEqual(await snapshot(), before, 'nothing changed');
    assert.equal((await call('GET', `/v1/holds/${created.body.id}`)).body.status, 'captured');
    await shootBoth(page, 'action-release-refused');
    // Dismissed, the refusal reloads the page: the captured hold leaves the list and the balance is the API's.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId(`release-${created.body.id}`).waitFor({ state: 'detached' });
    await eventually(() => shownAvailable(page), before.balance.available, 'the balance shown after the refusal');

    // Release the 12-credit batch hold: available grows by exactly 12, nothing is held.
    assert.deepEqual([before.balance.available, before.balance.held], ['531.5', '12']);
    await page.getByTestId(`release-${batch.id}`).click();
    await dialog.getByText(/become available again/).waitFor();
    await dialog.getByTestId('confirm').dblclick();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await call('GET', `/v1/holds/${batch.id}`)).body.status, 'released');
    const releases = (await call('GET', '/v1/ledger-entries?customerId=acme&type=release&limit=100')).body.data;
    assert.deepEqual(releases.map((entry: { holdId: string }) => entry.holdId), [batch.id], 'released once');
    assert.deepEqual([(await balanceOf('acme')).available, (await balanceOf('acme')).held], ['543.5', '0']);
    await eventually(() => shownAvailable(page), '543.5', 'the balance shown after the release');
    await page.getByText('Nothing held.').waitFor();
    await ledgerFollows(page);
    await shootBoth(page, 'action-release');
    await page.close();
  });

  it('creates a purchase link once and shows the checkout URL and the open purchase; a price of "abc" is refused before sending', async () => {
    const page = await customerPage();
    const before = await snapshot();
    await page.getByTestId('purchase-link').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Credits (ai_credits)').fill('250');
    await dialog.getByLabel('Price').fill('abc');
    await dialog.getByTestId('confirm').click();
    assert.equal(await dialog.getByRole('alert').textContent(), 'Price: enter a number such as 12.50');
    assert.equal(await page.evaluate('document.activeElement.name'), 'price', 'the bad field has the focus');
    assert.deepEqual(await snapshot(), before, 'nothing changed');
    await shootBoth(page, 'action-purchase-link-refused');

    // Corrected in the same dialog (same idempotency key); a double click still makes one purchase.
    await dialog.getByLabel('Price').fill('12.50');
    await dialog.getByTestId('confirm').dblclick();
    await dialog.waitFor({ state: 'hidden' });
    const purchases = (await call('GET', '/v1/purchases?customerId=acme&limit=100')).body.data;
    assert.equal(purchases.length, before.purchases + 1, 'one purchase');
    const [purchase] = purchases;
    assert.deepEqual([purchase.amount, purchase.price, purchase.status], ['250', '12.50', 'open']);
    assert.equal(await page.getByTestId('checkout-link').inputValue(), purchase.paymentSession.url, 'the link is the API string');
    const row = page.getByRole('row').filter({ hasText: purchase.invoice.id });
    await row.waitFor();
    assert.equal(await row.locator('.amount-value').textContent(), purchase.amount);
    assert.match((await row.textContent()) ?? '', new RegExp(`${purchase.price.replace('.', '\\.')} ${purchase.currency.toUpperCase()}`));
    assert.match((await page.getByRole('status').filter({ has: page.getByTestId('checkout-link') }).textContent()) ?? '', /Checkout link for 250 ai_credits at 12\.50 USD/);
    await page.getByTestId(`grant-${purchase.grantId}`).getByText('payment pending').waitFor();
    assert.equal(await page.getByTestId(`grant-${purchase.grantId}`).locator('.amount-value').nth(1).textContent(), purchase.amount, 'the pending grant, granted column');
    assert.deepEqual((await snapshot()).balance, before.balance, 'no credits before payment');
    await shootBoth(page, 'action-purchase-link');
    await page.close();
  });

  it('offers Void and Expire only on a grant with something left, and names it in the dialog on a line of its own, unbroken on a phone', async () => {
    // Drained: one grant used up (the API writes its remainder "0"), one all held, one with 2 left.
    assert.equal((await call('POST', '/v1/customers', { id: 'drained', name: 'Drained Ltd' })).status, 201);
    const grant = async (amount: string, name: string) => (await call('POST', '/v1/grants', { customerId: 'drained', unit: 'ai_credits', amount, name })).body;
    const usedUp = await grant('5', 'Used up');
    assert.equal((await call('POST', '/v1/debits', { customerId: 'drained', unit: 'ai_credits', amount: '5' })).status, 201);
    const held = await grant('3', 'All held');
    assert.equal((await call('POST', '/v1/holds', { customerId: 'drained', unit: 'ai_credits', amount: '3', feature: 'export', ttlSeconds: 86400 })).status, 201);
    const left = await grant('2', 'Two left');
    const remainders = async () => Object.fromEntries(await Promise.all([usedUp, held, left].map(async ({ id }) => [id, (await call('GET', `/v1/grants/${id}`)).body] as const)));
    const start = await remainders();
    assert.deepEqual(
      [usedUp, held, left].map(({ id }) => [start[id].status, start[id].available, start[id].held]),
      [['active', '0', '0'], ['active', '0', '3'], ['active', '2', '0']],
    );

    const page = await signedIn('/console/customers/drained');
    const row = (id: string) => page.getByTestId(`grant-${id}`);
    await row(left.id).getByTestId(`void-${left.id}`).waitFor();
    assert.equal(await row(usedUp.id).locator('.amount-value').first().textContent(), '0', 'its remainder, as the API writes it');
    assert.equal(await row(usedUp.id).getByRole('button').count(), 0, 'nothing left: neither Void nor Expire');
    for (const { id } of [held, left]) {
      assert.equal(await row(id).getByTestId(`void-${id}`).isVisible(), true, `Void on ${id}`);
      assert.equal(await row(id).getByTestId(`expire-${id}`).isVisible(), true, `Expire on ${id}`);
    }
    // All held: the row says so, and voiding still forfeits what a release gives back, as the dialog says.
    assert.equal(await row(held.id).getByTestId('grant-held').textContent(), 'held 3');
    await row(held.id).getByTestId(`void-${held.id}`).click();
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', /3 ai_credits of it held stays usable by its holds; what a release gives back is forfeited at once/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // On a phone the title's ID is whole: one line, inside the dialog (or ellipsised with the ID as its tooltip).
    await page.setViewportSize(PHONE);
    for (const action of ['void', 'expire']) {
      await row(left.id).getByTestId(`${action}-${left.id}`).click();
      assert.deepEqual(await titleId(page, left.id), { lines: 1, inside: true }, `${action}: the grant's ID in the title`);
      assert.match((await dialog.getByRole('heading').textContent()) ?? '', new RegExp(`this grant.*${left.id}`), 'the title names the grant');
      if (action === 'void') await shoot(page, 'action-void-title-phone', { fullPage: false });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
    await page.setViewportSize(LAPTOP);
    await row(left.id).getByTestId(`void-${left.id}`).click();
    await shootBoth(page, 'action-void-title');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(await remainders(), start, 'nothing changed');
    await page.close();
  });

  it('reads an expiry typed as a UTC 24-hour time the same in any browser zone; an impossible one is named under its field and nothing is sent', async () => {
    // Los Angeles, US English: a datetime-local picker there is a local, 12-hour (AM/PM) clock.
    const page = await harness.browser.newPage({ viewport: LAPTOP, timezoneId: 'America/Los_Angeles', locale: 'en-US' });
    await page.goto(`${harness.served.baseUrl}/console/customers/acme`);
    await page.getByTestId('api-key').fill(harness.key);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('available-ai_credits').waitFor();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/grants') sent.push(request.postData() ?? '');
    });
    const before = await snapshot();
    await page.getByTestId('grant-credits').click();
    const dialog = page.getByRole('dialog');
    const expires = dialog.getByLabel('Expires at, UTC (optional)');
    assert.equal(await expires.getAttribute('placeholder'), 'YYYY-MM-DD HH:MM');
    await dialog.getByLabel('Amount (ai_credits)').fill('5');

    // February 30th at 25:00: named under the field and in the dialog, with the focus on it; no request.
    await expires.fill('2026-02-30 25:00');
    await dialog.getByTestId('confirm').click();
    const problem = '2026-02-30 is not a real date (February 2026 has 28 days); 25:00 is not a 24-hour time (00:00 to 23:59)';
    assert.equal(await dialog.getByTestId('grant-expires-error').textContent(), problem, 'the error under the field');
    assert.equal(await expires.getAttribute('aria-invalid'), 'true');
    assert.equal(await dialog.getByRole('alert').count(), 0, 'said once, under the field, not again above the buttons');
    assert.equal(await page.evaluate('document.activeElement.name'), 'expiresAt', 'the bad field has the focus');
    await shootBoth(page, 'action-grant-bad-time');
    // A 12-hour time is not read as a guess either.
    await expires.fill('2030-01-01 5:30 PM');
    await dialog.getByTestId('confirm').click();
    assert.equal(await dialog.getByTestId('grant-expires-error').textContent(), 'write it as YYYY-MM-DD HH:MM, 24-hour UTC, e.g. 2026-03-01 17:30');
    assert.deepEqual(sent, [], 'nothing sent');
    assert.deepEqual(await snapshot(), before, 'nothing changed');

    // 17:30 typed is 17:30 UTC sent, whatever the browser's zone; the error goes once the text is right.
    await expires.fill('2030-01-01 17:30');
    assert.equal(await dialog.getByTestId('grant-expires-error').count(), 0, 'corrected: no error');
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(sent.length, 1);
    assert.equal(JSON.parse(sent[0]!).expiresAt, '2030-01-01T17:30:00.000Z', 'the exact ISO UTC timestamp');
    const [made] = (await call('GET', '/v1/grants?customerId=acme&limit=100')).body.data.filter((grant: { expiresAt: string | null }) => grant.expiresAt === '2030-01-01T17:30:00.000Z');
    assert.equal(made?.amount, '5', 'the grant, expiring at the minute typed');

    // The test clock's Advance shows its time the same way, and refuses an impossible one under the field.
    const clock = (await call('GET', '/v1/test-clock')).body.now as string;
    await page.getByTestId('advance-clock').click();
    const moveTo = page.getByRole('dialog').getByLabel('Move to (UTC)');
    assert.equal(await moveTo.inputValue(), `${clock.slice(0, 10)} ${clock.slice(11, 16)}`);
    await moveTo.fill('2026-04-31 10:00');
    await page.getByRole('dialog').getByTestId('confirm').click();
    assert.equal(await page.getByTestId('clock-to-error').textContent(), '2026-04-31 is not a real date (April 2026 has 30 days)');
    assert.equal((await call('GET', '/v1/test-clock')).body.now, clock, 'the clock did not move');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.close();
  });
});

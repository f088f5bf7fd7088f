import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/serve-process.ts';
import { DAY, eventually, LAPTOP, PHONE, seedAcme, startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser.ts';
import { WebhookReceiver } from '../webhooks/webhook-receiver.ts';

/**
 * The console and the customer portal in Debian's chromium (playwright-core)
 * against the real `serve` command. Screenshots of the main pages, at laptop
 * and phone widths, go to test-artifacts/console/. The console's actions on a
 * customer (debit, release a hold, purchase link) are in console-actions.test.ts,
 * refunds and the revenue report in console-finance.test.ts.
 */
describe('console and portal in a real browser, against the real serve command', () => {
  let harness: ConsoleBrowser;
  let receiver: WebhookReceiver;
  let { call, shoot, shootBoth, signedIn, balanceOf } = {} as ConsoleBrowser;

  before(async () => {
    harness = await startConsoleBrowser({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', BACKGROUND_INTERVAL_MS: '100' });
    ({ call, shoot, shootBoth, signedIn, balanceOf } = harness);
    receiver = await WebhookReceiver.start();
    const endpoint = await call('POST', '/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['grant.*'] });
    receiver.useSecret(endpoint.body.secret);
    await seedAcme(call);
  });

  after(async () => {
    await harness?.stop();
    await receiver?.stop();
  });

  it('signs in, finds a customer, shows the API balance exactly, grants, voids, and the chart and ledger follow', async () => {
    const page = await signedIn('/console/customers?search=acm');
    await page.getByTestId('test-mode').waitFor();
    assert.match((await page.getByTestId('test-mode').textContent()) ?? '', /TEST MODE/, 'test mode is marked');
    await page.getByTestId('customer-acme').click();
    await page.waitForURL(`${harness.served.baseUrl}/console/customers/acme`);
    const available = page.getByTestId('available-ai_credits').locator('.amount-value');
    const before = await balanceOf('acme');
    await page.getByTestId('burn-down-chart').locator('canvas').waitFor();
    assert.equal(await available.textContent(), before.available, 'the balance is the API string, character for character');
    await page.getByText('expires in 2 days').first().waitFor();
    await shoot(page, 'customer-desktop');
    // Accessible: every control has a label or a name (dialogs included), and the first Tab reaches "Skip to content".
    const unnamed = await page
      .locator('input, select, textarea, button')
      .evaluateAll((elements: any[]) => elements.filter((element) => !(element.labels?.length || element.getAttribute('aria-label') || element.textContent.trim())).map((element) => element.outerHTML));
    assert.deepEqual(unnamed, []);
    await page.reload();
    await available.waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');

    // Grant from the page; a double click on Confirm books once (one idempotency key per dialog).
    const grantsBefore = (await call('GET', '/v1/grants?customerId=acme&limit=100')).body.data.length;
    await page.getByTestId('grant-credits').click();
    await page.getByTestId('grant-amount').fill('12.34');
    await page.getByTestId('confirm').filter({ visible: true }).dblclick();
    const after = await (async () => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const balance = await balanceOf('acme');
        if (balance.available !== before.available) return balance;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the grant did not land');
    })();
    await eventually(() => available.textContent(), after.available, 'the balance after the grant');
    assert.equal((await call('GET', '/v1/grants?customerId=acme&limit=100')).body.data.length, grantsBefore + 1, 'booked once');
    await eventually(() => page.getByTestId('burn-down-chart').getAttribute('data-last-available'), after.available, "the chart's last point");
    await page.getByTestId('ledger-table').locator('tbody tr').first().getByText('12.34', { exact: true }).waitFor();

    // Void the welcome bonus from its row.
    const grants = (await call('GET', '/v1/grants?customerId=acme&limit=100')).body.data;
    const bonus = grants.find((grant: { name: string }) => grant.name === 'Welcome bonus');
    await page.getByTestId(`void-${bonus.id}`).click();
    await page.getByTestId('confirm').filter({ visible: true }).click();
    await page.getByTestId(`grant-${bonus.id}`).getByText('voided').waitFor();
    assert.equal((await call('GET', `/v1/grants/${bonus.id}`)).body.status, 'voided');
    await eventually(() => available.textContent(), (await balanceOf('acme')).available, 'the balance after the void');

    await page.setViewportSize(PHONE);
    await shoot(page, 'customer-phone');
    await page.close();
  });

  it('explores the ledger with filters and paging, and downloads what is shown as CSV', async () => {
    const page = await signedIn('/console/ledger?customerId=acme&type=debit');
    await page.getByTestId('ledger-table').waitFor();
    const shown = (await call('GET', '/v1/ledger-entries?customerId=acme&type=debit&limit=50')).body.data;
    assert.equal(await page.getByTestId('ledger-table').locator('tbody tr').count(), shown.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    assert.equal(csv[0], 'id,effectiveAt,createdAt,customerId,unit,walletKey,sequence,type,amount,heldAmount,balanceAfter,grantId,debitId,holdId');
    assert.deepEqual(
      csv.slice(1).map((line) => line.split(',')[8]),
      shown.map((entry: { amount: string }) => entry.amount),
      'the CSV has the exact amounts shown',
    );
    await shoot(page, 'ledger-desktop');
    // A reload keeps the filters: the URL is the page.
    await page.reload();
    await page.getByTestId('ledger-table').waitFor();
    assert.equal(await page.getByTestId('ledger-type').inputValue(), 'debit');
    await page.setViewportSize(PHONE);
    await shoot(page, 'ledger-phone');

    // An impossible date in the URL: the API's 400 as it is, no entries and no endless "Loading…".
    await page.setViewportSize(LAPTOP);
    await page.goto(`${harness.served.baseUrl}/console/ledger?customerId=acme&from=2026-02-30T00:00`);
    const refused = await call('GET', '/v1/ledger-entries?customerId=acme&from=2026-02-30T00:00:00.000Z&limit=50');
    assert.equal(refused.status, 400);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').evaluate((alert: any) => alert.firstChild.textContent), `${refused.body.error.code}: ${refused.body.error.message}`);
    assert.match(refused.body.error.message, /not a real date/);
    assert.equal(await page.getByTestId('ledger-table').count(), 0, 'no entries for a refused filter');
    assert.equal(await page.getByText('Loading…').count(), 0, 'a refused query is not still loading');
    // The field shows the link's minute as one types it, and says under it what is wrong.
    assert.equal(await page.getByTestId('ledger-from').inputValue(), '2026-02-30 00:00');
    assert.equal(await page.getByTestId('ledger-from-error').textContent(), '2026-02-30 is not a real date (February 2026 has 28 days)');
    await shootBoth(page, 'ledger-refused');

    // Typed in the filter: a time that is not on the 24-hour clock is named under its field, and nothing is asked.
    await page.goto(`${harness.served.baseUrl}/console/ledger?customerId=acme`);
    await page.getByTestId('ledger-table').waitFor();
    const asked: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/ledger-entries') asked.push(new URL(request.url()).searchParams.get('to') ?? '');
    });
    await page.getByTestId('ledger-to').fill('2026-12-31 24:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.equal(await page.getByTestId('ledger-to-error').textContent(), '24:00 is not a 24-hour time (00:00 to 23:59)');
    assert.equal(await page.evaluate('document.activeElement.name'), 'to', 'the bad field has the focus');
    assert.equal(new URL(page.url()).search, '?customerId=acme', 'the filter was not applied');
    assert.deepEqual(asked, [], 'nothing asked of the API');
    await shootBoth(page, 'ledger-bad-time');
    // A real minute: the URL keeps it, and the API gets its exact UTC timestamp.
    await page.getByTestId('ledger-to').fill('2030-01-01 00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/to=2030-01-01T00%3A00/);
    await eventually(async () => asked.join(), '2030-01-01T00:00:00.000Z', 'the timestamp sent');
    assert.equal(await page.getByTestId('ledger-to').inputValue(), '2030-01-01 00:00');
    await page.close();
  });

  it('shows an empty wallet as having no balance history, not as a chart of 0 on an axis of 0 to 1', async () => {
    assert.equal((await call('POST', '/v1/customers', { id: 'newco', name: 'Newco' })).status, 201);
    const page = await signedIn('/console/customers/newco?unit=ai_credits');
    const empty = page.getByTestId('burn-down-empty');
    await empty.waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('available-ai_credits').locator('.amount-value').textContent(), '0');
    assert.match((await empty.textContent()) ?? '', /^No balance history yet/);
    assert.equal(await page.getByTestId('burn-down-chart').count(), 0, 'no chart of a flat 0');
    assert.equal(await page.getByTestId('burn-rate').textContent(), 'no usage measured yet', 'no burn rate of 0 measured over one day');
    await shootBoth(page, 'customer-empty');

    // A grant awaiting payment has nothing available either: the period is named instead of drawn.
    const purchase = await call('POST', '/v1/purchases', { customerId: 'newco', unit: 'ai_credits', amount: '100', price: '5.00' });
    assert.equal(purchase.status, 201, JSON.stringify(purchase.body));
    await page.reload();
    await page.getByTestId(`grant-${purchase.body.grantId}`).waitFor();
    await eventually(async () => ((await empty.textContent()) ?? '').replace(/ from .*/, ''), 'Nothing available to chartAvailable ai_credits was 0', 'the empty chart');
    assert.equal(await page.getByTestId('burn-down-chart').count(), 0);
    await page.close();
  });

  it('shows webhook deliveries with their attempts and resends one', async () => {
    await receiver.waitFor(() => receiver.received.length > 0, 'a first webhook');
    const page = await signedIn('/console/webhooks');
    const delivery = page.locator('[data-testid^="delivery-"]').first();
    await delivery.waitFor();
    const deliveryId = (await delivery.getAttribute('data-testid'))!.replace('delivery-', '');
    await page.getByTestId(`delivery-${deliveryId}`).getByText('HTTP 204').first().waitFor({ timeout: 10_000 }).catch(async () => {
      await page.reload();
      await page.getByTestId(`delivery-${deliveryId}`).locator('.attempts').waitFor();
    });
    const endpoints = (await call('GET', '/v1/webhook-endpoints')).body.data;
    const log = async () => (await call('GET', `/v1/webhook-endpoints/${endpoints[0].id}/deliveries?limit=100`)).body.data.find((item: { id: string }) => item.id === deliveryId);
    const before = await log();
    const received = receiver.received.filter((webhook) => webhook.id === before.eventId).length;
    await page.getByTestId(`resend-${deliveryId}`).click();
    await page.getByTestId('confirm').filter({ visible: true }).click();
    await receiver.waitFor(() => receiver.received.filter((webhook) => webhook.id === before.eventId).length === received + 1, 'the resent webhook');
    for (let attempt = 0; attempt < 50 && (await log()).attempts.length === before.attempts.length; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await log()).attempts.length, before.attempts.length + 1);
    // The confirmation closes once the resend is answered: the pictures are of the page, not of a closing dialog.
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await shootBoth(page, 'webhooks');
    await page.goto(`${harness.served.baseUrl}/console/events?type=grant.*`);
    await page.locator('.event').first().waitFor();
    // One event opened: its data, as the API sent it, wraps on a phone instead of running out of its box.
    await page.locator('.event summary').first().click();
    await shootBoth(page, 'events');

    // The test clock is shown on every page and moves from the console.
    const clock = Date.parse((await call('GET', '/v1/test-clock')).body.now);
    const target = new Date(clock + 3_600_000 - (clock % 60_000)).toISOString();
    assert.match((await page.getByTestId('test-clock').textContent()) ?? '', new RegExp(new Date(clock).toISOString().slice(0, 10)));
    await page.getByTestId('advance-clock').click();
    await page.getByLabel('Move to (UTC)').fill(target.slice(0, 16));
    await page.getByTestId('confirm').filter({ visible: true }).click();
    await eventually(async () => (await call('GET', '/v1/test-clock')).body.now, target, 'the test clock after Advance');
    await page.close();
  });

  it('portal: reads only its customer, buys a pack through the checkout, and the grant is active; an expired link is refused', async () => {
    const session = await call('POST', '/v1/portal-sessions', {
      customerId: 'acme',
      returnUrl: 'https://acme.example/account',
      packs: [
        { unit: 'ai_credits', amount: '1000', price: '10.00', name: 'Top-up' },
        { unit: 'ai_credits', amount: '5000', price: '40.00', name: 'Big pack' },
      ],
    });
    assert.equal(session.status, 201, JSON.stringify(session.body));
    const token = session.body.url.split('#')[1];
    // Over HTTP against the real server: customer B is not there for this token, and writes are refused.
    const portalCall = apiClient(harness.served.baseUrl, token);
    assert.equal((await portalCall('GET', '/v1/balances?customerId=globex&unit=ai_credits')).status, 404);
    assert.equal((await portalCall('GET', '/v1/ledger-entries?customerId=globex')).status, 404);
    assert.equal((await portalCall('GET', '/v1/customers/globex')).status, 403);
    assert.equal((await portalCall('POST', '/v1/debits', { customerId: 'acme', unit: 'ai_credits', amount: '1' })).status, 403);

    // A grant that expires in 3 days by the test clock (6 days ahead of the real one): the portal says so, as the console does.
    const clockNow = Date.parse((await call('GET', '/v1/test-clock')).body.now);
    const trial = await call('POST', '/v1/grants', { customerId: 'acme', unit: 'ai_credits', amount: '5', name: 'Trial top-up', expiresAt: new Date(clockNow + 3 * DAY).toISOString() });
    assert.equal(trial.status, 201, JSON.stringify(trial.body));

    const page = await harness.browser.newPage({ viewport: PHONE });
    await page.goto(session.body.url);
    const available = page.getByTestId('available-ai_credits').locator('.amount-value');
    await available.waitFor();
    assert.equal(await available.textContent(), (await balanceOf('acme')).available);
    await page.getByTestId(`grant-${trial.body.id}`).getByText('expires in 3 days').waitFor({ timeout: 5_000 });
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    await page.getByTestId('burn-down-chart').locator('canvas').waitFor();
    await shoot(page, 'portal-phone');
    await page.setViewportSize(LAPTOP);
    await shoot(page, 'portal-desktop');

    const before = (await balanceOf('acme')).available;
    await Promise.all([page.waitForURL(/\/checkout\//), page.getByTestId('buy-0').click()]);
    await Promise.all([page.waitForURL(/\/portal\?purchase=paid/), page.getByTestId('pay').click()]);
    const purchases = (await call('GET', '/v1/purchases?customerId=acme')).body.data;
    assert.equal(purchases[0].status, 'paid');
    assert.equal((await call('GET', `/v1/grants/${purchases[0].grantId}`)).body.status, 'active');
    const paid = (await balanceOf('acme')).available;
    assert.notEqual(paid, before);
    await eventually(() => page.getByTestId('available-ai_credits').locator('.amount-value').textContent(), paid, 'the portal balance after buying');
    await page.getByTestId(`purchase-${purchases[0].id}`).waitFor();
    await shootBoth(page, 'portal-paid');
    await page.close();

    const short = await call('POST', '/v1/portal-sessions', { customerId: 'acme', expiresIn: 60 });
    const clock = (await call('GET', '/v1/test-clock')).body;
    await call('POST', '/v1/test-clock/advance', { to: new Date(Date.parse(clock.now) + 120_000).toISOString() });
    const expired = await harness.browser.newPage({ viewport: PHONE });
    await expired.goto(short.body.url);
    await expired.getByText('This link has expired').waitFor();
    // A customer is shown no error code, only what support can look up.
    assert.match((await expired.getByTestId('support-reference').textContent()) ?? '', /^Reference for support: req_/);
    assert.equal(await expired.getByText('unauthenticated').count(), 0);
    await shoot(expired, 'portal-expired-phone');
    assert.equal((await apiClient(harness.served.baseUrl, short.body.url.split('#')[1])('GET', '/v1/portal-session')).status, 401);
    await expired.close();
  });

  it('refuses a wrong API key with a plain message', async () => {
    const page = await harness.browser.newPage({ viewport: LAPTOP });
    await page.goto(`${harness.served.baseUrl}/console`);
    await page.getByTestId('api-key').fill('cb_test_not_a_key');
    await page.getByTestId('sign-in').click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), 'That API key is not valid (or was revoked).');
    // The commands to get a key are shown as code, not as Markdown's backticks.
    assert.deepEqual(await page.locator('.sign-in code').allTextContents(), ['npm start', 'npx creditbook keys create --env test']);
    await shootBoth(page, 'sign-in-refused');
    await page.close();
  });

  it('shows the longest amounts the API allows whole, on one line and inside their boxes, and the chart in UTC in any time zone', async () => {
    // 25 digits and 10 decimals: the most a unit of scale 10 holds.
    assert.equal((await call('POST', '/v1/units', { code: 'tokens', scale: 10, name: 'Tokens' })).status, 201);
    assert.equal((await call('POST', '/v1/customers', { id: 'whale', name: 'Whale Holdings' })).status, 201);
    const granted = await call('POST', '/v1/grants', { customerId: 'whale', unit: 'tokens', amount: '9876543210987654321098765.0123456789', name: 'Enterprise allowance', category: 'paid' });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    assert.equal((await call('POST', '/v1/debits', { customerId: 'whale', unit: 'tokens', amount: '1234567890123456789.0000000001', feature: 'inference' })).status, 201);
    const balance = (await call('GET', '/v1/balances?customerId=whale&unit=tokens')).body;
    assert.equal(balance.available, '9876541976419764197641976.0123456788');

    const page = await signedIn('/console/customers/whale');
    const available = page.getByTestId('available-tokens').locator('.amount-value');
    await available.waitFor();
    await page.getByTestId('burn-down-chart').locator('canvas').waitFor();
    await page.getByTestId('ledger-table').waitFor();
    assert.equal(await available.textContent(), balance.available, 'the API string, character for character');
    // shootBoth checks that no amount runs out of its figure or cell, none wraps, and no table scrolls sideways.
    await shootBoth(page, 'customer-long-amounts');
    await page.goto(`${harness.served.baseUrl}/console/customers`);
    await page.getByTestId('customer-whale').waitFor();
    await page.getByRole('row').filter({ hasText: 'Whale Holdings' }).getByText(balance.available).waitFor();
    await shootBoth(page, 'customers');
    await page.close();

    // The chart's time axis is UTC, like every time on the page: the same picture in Los Angeles as in UTC.
    const chartIn = async (timezoneId: string) => {
      const zoned = await harness.browser.newPage({ viewport: LAPTOP, timezoneId });
      await zoned.goto(`${harness.served.baseUrl}/console/customers/acme`);
      await zoned.getByTestId('api-key').fill(harness.key);
      await zoned.getByTestId('sign-in').click();
      const chart = zoned.getByTestId('burn-down-chart');
      await chart.locator('canvas').waitFor();
      await eventually(() => chart.getAttribute('data-last-available'), (await balanceOf('acme')).available, 'the chart drawn');
      const picture = await chart.locator('canvas').screenshot();
      await zoned.close();
      return picture;
    };
    assert.ok((await chartIn('UTC')).equals(await chartIn('America/Los_Angeles')), 'the chart does not follow the browser\'s time zone');
  });
});

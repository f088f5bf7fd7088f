import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { postgresDatabaseUrl, withAdminClient } from '../support/postgres-admin.ts';
import { apiClient, runCli, startServe, type ServedProcess } from '../support/serve-process.ts';
import { waitUntil, WebhookReceiver } from '../webhooks/webhook-receiver.ts';

const admin = (sql: string) => withAdminClient((client) => client.query(sql));

/**
 * Two real `serve` nodes on one PostgreSQL database, both running the
 * background loops: a burst of debits spread over both buys exactly once; unpaid
 * purchases expire exactly once; a payment clicked on both nodes at once pays
 * once; refunds racing debits over both nodes refund once; every webhook is
 * delivered once. (PostgreSQL is on 127.0.0.1:5432 in CI,
 * as for the store contract suite; .ci/run starts it.)
 */
describe('two serve nodes on PostgreSQL share purchases, auto top-up and webhooks without doing anything twice', () => {
  const database = `creditbook_purchases_${randomBytes(6).toString('hex')}`;
  const url = new URL(postgresDatabaseUrl(database));
  const env = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', BACKGROUND_INTERVAL_MS: '50', WEBHOOK_RETRY_BASE_MS: '200' };
  const nodes: ServedProcess[] = [];
  const calls: Array<ReturnType<typeof apiClient>> = [];
  let receiver: WebhookReceiver;
  let customerId = '';

  before(async () => {
    await admin(`CREATE DATABASE ${database}`);
    // One after the other: the first migrates and prints the test key.
    nodes.push(await startServe({ database: url.toString(), env }));
    nodes.push(await startServe({ database: url.toString(), env }));
    const key = nodes[0]!.testKey!;
    assert.ok(key);
    calls.push(apiClient(nodes[0]!.baseUrl, key), apiClient(nodes[1]!.baseUrl, key));
    receiver = await WebhookReceiver.start();
    const [call] = calls;
    const endpoint = await call!('POST', '/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['*'] });
    receiver.useSecret(endpoint.body.secret);
    assert.equal((await call!('POST', '/v1/units', { code: 'credits', scale: 2 })).status, 201);
    customerId = (await call!('POST', '/v1/customers', {})).body.id;
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await receiver?.stop();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  const count = async (type: string) => {
    const events = await calls[0]!('GET', `/v1/events?type=${type}&limit=100`);
    return events.body.data.length as number;
  };

  it('a burst of debits over both nodes buys exactly once', async () => {
    const [first] = calls;
    const card = await first!('POST', '/v1/payment-methods', { customerId, testCard: 'succeeds' });
    const settings = await first!('POST', '/v1/balance-settings', { customerId, unit: 'credits', autoTopUp: { threshold: '50', amount: '100', unitPrice: '0.10', paymentMethodId: card.body.id } });
    assert.equal(settings.status, 200);
    assert.equal((await first!('POST', '/v1/grants', { customerId, unit: 'credits', amount: '100' })).status, 201);
    const debits = await Promise.all(Array.from({ length: 40 }, (_, index) => calls[index % 2]!('POST', '/v1/debits', { customerId, unit: 'credits', amount: '2' })));
    assert.deepEqual(new Set(debits.map((debit) => debit.status)), new Set([201]));
    await waitUntil(async () => (await first!('GET', `/v1/balances?customerId=${customerId}&unit=credits`)).body.available === '120', 'the top-up to land');
    // Give both nodes' loops time to do anything extra they would wrongly do.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const topUps = await first!('GET', `/v1/auto-top-ups?customerId=${customerId}&unit=credits`);
    assert.deepEqual(topUps.body.data.map((topUp: { status: string }) => topUp.status), ['succeeded']);
    const purchases = await first!('GET', `/v1/purchases?customerId=${customerId}&status=paid`);
    assert.equal(purchases.body.data.length, 1);
    assert.equal((await first!('GET', `/v1/balances?customerId=${customerId}&unit=credits`)).body.available, '120');
  });

  it('unpaid purchases expire exactly once, and a payment clicked on both nodes pays once', async () => {
    const [first, second] = calls;
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const unpaid = await Promise.all(
      Array.from({ length: 6 }, (_, index) => calls[index % 2]!('POST', '/v1/purchases', { customerId, unit: 'credits', amount: '10', price: '1.00', paymentExpiresAt: expiresAt })),
    );
    const toPay = (await first!('POST', '/v1/purchases', { customerId, unit: 'credits', amount: '50', price: '2.00' })).body;
    const path = new URL(toPay.paymentSession.url).pathname;
    const clicks = await Promise.all(
      [nodes[0]!, nodes[1]!, nodes[0]!, nodes[1]!].map((node) => fetch(`${node.baseUrl}${path}/pay`, { method: 'POST', redirect: 'manual' })),
    );
    assert.deepEqual(clicks.map((click) => click.status), [303, 303, 303, 303]);
    await waitUntil(async () => {
      const states = await Promise.all(unpaid.map((purchase) => second!('GET', `/v1/purchases/${purchase.body.id}`)));
      return states.every((state) => state.body.status === 'expired');
    }, 'the unpaid purchases to expire');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await count('purchase.expired'), 6, 'one expiry each');
    assert.equal(await count('invoice.voided'), 6);
    assert.equal(await count('purchase.paid'), 2, 'the auto top-up and this one');
    const ledger = await first!('GET', `/v1/ledger-entries?grantId=${toPay.grantId}`);
    assert.deepEqual(ledger.body.data.map((entry: { type: string }) => entry.type), ['grant']);
    for (const purchase of unpaid) {
      const grant = await first!('GET', `/v1/grants/${purchase.body.grantId}`);
      assert.deepEqual([grant.body.status, grant.body.available], ['voided', '0']);
    }
    assert.equal((await first!('GET', `/v1/balances?customerId=${customerId}&unit=credits`)).body.available, '170');
  });

  it('refunds sent to both nodes at once, racing debits, refund once and never a spent credit', async () => {
    const [first] = calls;
    const wallet = { customerId: (await first!('POST', '/v1/customers', {})).body.id, unit: 'credits' };
    const bought = (await first!('POST', '/v1/purchases', { ...wallet, amount: '100', price: '3.00' })).body;
    const paid = await fetch(`${nodes[1]!.baseUrl}${new URL(bought.paymentSession.url).pathname}/pay`, { method: 'POST', redirect: 'manual' });
    assert.equal(paid.status, 303);
    const requests = [
      ...Array.from({ length: 6 }, (_, index) => calls[index % 2]!('POST', `/v1/purchases/${bought.id}/refund`, {})),
      ...Array.from({ length: 12 }, (_, index) => calls[index % 2]!('POST', '/v1/debits', { ...wallet, amount: '5' })),
    ];
    const answers = await Promise.all(requests);
    const refunds = answers.slice(0, 6);
    const debits = answers.slice(6);
    assert.deepEqual(refunds.map((answer) => answer.status).sort(), [200, 409, 409, 409, 409, 409]);
    assert.ok(debits.every((answer) => answer.status === 201 || answer.status === 402));
    const note = refunds.find((answer) => answer.status === 200)!.body;
    const debited = debits.filter((answer) => answer.status === 201).length * 5;
    assert.equal(Number(note.credits) + debited, 100, `refunded ${note.credits} + debited ${debited} = bought`);
    assert.equal(note.status, 'succeeded');
    const grant = (await first!('GET', `/v1/grants/${bought.grantId}`)).body;
    assert.deepEqual([grant.available, grant.consumed, grant.voided], ['0', String(debited), note.credits]);
    assert.equal(await count('purchase.refunded'), 1);
  });

  it('every webhook is delivered once though both nodes send', async () => {
    const ids: string[] = [];
    for (let cursor = ''; ; ) {
      const page = await calls[0]!('GET', `/v1/events?limit=100${cursor}`);
      ids.push(...page.body.data.map((event: { id: string }) => event.id));
      if (!page.body.hasMore) break;
      cursor = `&startingAfter=${ids.at(-1)}`;
    }
    await waitUntil(() => new Set(receiver.received.map((webhook) => webhook.id)).size >= ids.length, `all ${ids.length} webhooks`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = receiver.received.map((webhook) => webhook.id);
    assert.deepEqual([...received].sort(), [...ids].sort());
    assert.equal(new Set(received).size, received.length, 'no event was sent twice');
    const verify = runCli(['verify', '--db', url.toString()]);
    assert.equal(verify.status, 0, verify.stderr);
  });
});

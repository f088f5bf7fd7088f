import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.ts';
import { parseAllowedHosts } from '../../src/webhooks/outbound-address.ts';
import { newWebhookSecret } from '../../src/webhooks/signing.ts';
import { expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

const settings: DeliverySettings = { retryBaseMs: 60_000, retryMaxMs: 60_000, maxAttempts: 5, timeoutMs: 2000, concurrency: 4 };

const PASSWORD = 's3cret-pass';
const USER = 'alice-login';
/** A user name that is itself the credential (`https://<token>@host/…`, no password). */
const TOKEN_USER = 'tok-9f8e7d6c5b4a';
/** How `Authorization: Basic` carries the first endpoint's credentials: it must not be stored either. */
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

/**
 * A receiver that answers 200 and echoes what it was sent (its Authorization
 * header, decoded too), as echo services such as httpbin do: what the delivery
 * log keeps of a reply must not hand the credentials back either.
 */
async function echoingReceiver() {
  const requests: Array<{ headers: IncomingHttpHeaders; path: string }> = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests.push({ headers: request.headers, path: request.url ?? '' });
      const authorization = request.headers.authorization ?? '';
      const decoded = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ authorization, decoded }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Endpoints whose URL carries a user name or password, stored before creation
 * refused them (an existing database): every read shows the URL with its
 * user-info replaced by `****`, and deliveries keep going to the receiver with
 * its credentials, while nothing the server stores or answers holds them.
 */
describe('webhook endpoints stored with credentials in their URL', () => {
  let api: TestApi;
  let receiver: Awaited<ReturnType<typeof echoingReceiver>>;

  before(async () => {
    api = await startTestApi({ configure: (configuration) => ({ ...configuration, webhooks: settings, webhookAllowedHosts: parseAllowedHosts('127.0.0.1') }) });
    receiver = await echoingReceiver();
  });

  after(async () => {
    await receiver.close();
    await api.close();
  });

  /** Writes an endpoint straight to the store, as a version that accepted any URL did. */
  async function storedEndpoint(url: string): Promise<string> {
    const id = api.dependencies.newId('we');
    const environmentId = api.rows("SELECT id FROM environments WHERE mode = 'test'")[0].id;
    await api.dependencies.store.transaction((repository) =>
      repository.webhookEndpoints.insert({
        id,
        environmentId,
        url,
        eventTypes: ['grant.created'],
        secret: newWebhookSecret(),
        previousSecret: null,
        previousSecretExpiresAt: null,
        description: 'from before the check',
        createdAt: Date.now(),
        deletedAt: null,
      }),
    );
    return id;
  }

  const holdsCredentials = (text: string) => [PASSWORD, USER, TOKEN_USER, BASIC].some((secret) => text.includes(secret));

  it('reads show the URL with its user-info masked, in every answer that shows the endpoint', async () => {
    const withPassword = await storedEndpoint(`http://${USER}:${PASSWORD}@127.0.0.1:${receiver.port}/hooks?source=creditbook`);
    const withToken = await storedEndpoint(`http://${TOKEN_USER}@127.0.0.1:${receiver.port}/hooks`);
    const masked = { [withPassword]: `http://****@127.0.0.1:${receiver.port}/hooks?source=creditbook`, [withToken]: `http://****@127.0.0.1:${receiver.port}/hooks` };

    for (const id of [withPassword, withToken]) {
      const fetched = await api.get(`/v1/webhook-endpoints/${id}`);
      assert.equal(expectStatus(fetched, 200).url, masked[id]);
      assert.ok(!holdsCredentials(fetched.text), fetched.text);
    }
    const listed = await api.get('/v1/webhook-endpoints?limit=100');
    assert.deepEqual(
      (expectStatus(listed, 200).data as Json[]).filter((endpoint) => endpoint.id in masked).map((endpoint) => [endpoint.id, endpoint.url]),
      Object.entries(masked).sort(([a], [b]) => (a < b ? 1 : -1)),
    );
    assert.ok(!holdsCredentials(listed.text), listed.text);

    // Rotating the secret (the one write to an endpoint that keeps it) works on such an endpoint and answers masked, replays too.
    for (const attempt of ['first', 'replay']) {
      const rotated = await api.post(`/v1/webhook-endpoints/${withPassword}/rotate-secret`, { gracePeriodSeconds: 60 }, { idempotencyKey: 'rotate-legacy' });
      const body = expectStatus(rotated, 200);
      assert.equal(body.url, masked[withPassword], attempt);
      assert.match(body.secret, /^whsec_/, attempt);
      assert.ok(!holdsCredentials(rotated.text), `${attempt}: ${rotated.text}`);
    }
  });

  it('delivers with the stored credentials, and the delivery log and database keep none of them', async () => {
    const id = await storedEndpoint(`http://${USER}:${PASSWORD}@127.0.0.1:${receiver.port}/legacy`);
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '1' });
    await api.dependencies.webhooks.fanOut();
    while ((await api.dependencies.webhooks.deliverDue()) > 0);

    // The receiver keeps working as it was configured: Basic credentials from the URL, the URL's path.
    const sent = receiver.requests.filter((request) => request.path === '/legacy');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.headers.authorization, `Basic ${BASIC}`, 'sent with the stored credentials');

    const log = await api.get(`/v1/webhook-endpoints/${id}/deliveries`);
    const [delivery] = expectStatus(log, 200).data as Json[];
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts[0].statusCode, 200);
    assert.ok(!holdsCredentials(log.text), `the echoed reply keeps no credentials: ${log.text}`);
    assert.match(delivery.attempts[0].responseBody, /\*\*\*\*/);

    // A manual resend answers the delivery the same way.
    const resent = await api.post(`/v1/webhook-endpoints/${id}/deliveries/${delivery.id}/resend`);
    expectStatus(resent, 200);
    assert.ok(!holdsCredentials(resent.text), resent.text);

    // Only the endpoint's own row holds them: no attempt, delivery, audit row or idempotent reply does.
    const tables = api.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'webhook_endpoints'").map((row) => row.name as string);
    for (const table of tables) {
      const rows = api.rows(`SELECT * FROM "${table}"`);
      assert.ok(!holdsCredentials(JSON.stringify(rows)), `${table} holds the credentials`);
    }

    expectStatus(await api.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${id}` }), 200);
  });
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newWebhookSecret } from '../../src/webhooks/signing.ts';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.ts';
import { parseAllowedHosts } from '../../src/webhooks/outbound-address.ts';
import { MAX_REPLY_BYTES, REPLY_EXCERPT_CHARS, type HostResolver, type ResolvedAddress } from '../../src/webhooks/outbound-post.ts';
import { expectError, expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

const settings: DeliverySettings = { retryBaseMs: 60_000, retryMaxMs: 60_000, maxAttempts: 5, timeoutMs: 1500, concurrency: 8 };

/** An HTTP listener on 127.0.0.1 that counts every TCP connection made to it, whatever it carries. */
async function countingListener(handler: Parameters<typeof createServer>[1] = (_request, response) => void response.writeHead(204).end()) {
  const server: Server = createServer(handler);
  const connections: Socket[] = [];
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Names the test controls: each resolves to the addresses given, nothing else resolves. */
function testResolver(names: Record<string, ResolvedAddress[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const found = names[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(resolve, { asked });
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** Every spelling of an internal address that a URL parser accepts (`PORT` is the listener's port). */
const INTERNAL_URLS = [
  'http://127.0.0.1:PORT/hook',
  'http://localhost:PORT/hook',
  'http://LOCALHOST.:PORT/hook',
  'http://hooks.localhost:PORT/hook',
  'http://[::1]:PORT/hook',
  'http://[0:0:0:0:0:0:0:1]:PORT/hook',
  'http://[::ffff:127.0.0.1]:PORT/hook',
  'http://[::ffff:7f00:1]:PORT/hook',
  'http://0.0.0.0:PORT/hook',
  'http://0:PORT/hook',
  'http://[::]:PORT/hook',
  'http://127.1:PORT/hook',
  'http://2130706433:PORT/hook',
  'http://0x7f.1:PORT/hook',
  'http://017700000001:PORT/hook',
  'http://127.255.255.254:PORT/hook',
  'http://169.254.169.254:PORT/latest/meta-data/',
  'http://10.0.0.1:PORT/hook',
  'http://172.16.0.1:PORT/hook',
  'http://192.168.1.1:PORT/hook',
  'http://100.64.0.1:PORT/hook',
  'http://[fd00::1]:PORT/hook',
  'http://[fe80::1]:PORT/hook',
  'http://224.0.0.1:PORT/hook',
  'http://[ff02::1]:PORT/hook',
  'http://255.255.255.255:PORT/hook',
  'http://[64:ff9b::7f00:1]:PORT/hook',
  'http://[2002:7f00:1::1]:PORT/hook',
  // IPv4-compatible (::/96), whatever IPv4 address it embeds, and the other IPv6 ranges no public receiver has.
  'http://[::127.0.0.1]:PORT/hook',
  'http://[::7f00:1]:PORT/hook',
  'http://[::a9fe:a9fe]:PORT/latest/meta-data/',
  'http://[::8.8.8.8]:PORT/hook',
  'http://[64:ff9b:1::7f00:1]:PORT/hook',
  'http://[2002:808:808::1]:PORT/hook',
  'http://[2001::1]:PORT/hook',
  'http://[fec0::1]:PORT/hook',
  'http://[2001:db8::1]:PORT/hook',
  'http://[100::1]:PORT/hook',
  'http://[::1:0:0:1]:PORT/hook',
];

/** DNS names whose answers point inside, alone or mixed with a public address. */
const INTERNAL_NAMES: Record<string, ResolvedAddress[]> = {
  'loopback.example.test': [v4('127.0.0.1')],
  'loopback6.example.test': [v6('::1')],
  'mapped.example.test': [v6('::ffff:127.0.0.1')],
  'metadata.example.test': [v4('169.254.169.254')],
  'private.example.test': [v4('10.1.2.3')],
  'mixed.example.test': [v4('93.184.215.14'), v4('127.0.0.1')],
  'unspecified.example.test': [v4('0.0.0.0')],
  // libuv prints a resolved ::/96 address with a dotted tail (`::127.0.0.1`), the spelling ipaddr.js misreads as IPv4-mapped.
  'compatible.example.test': [v6('::127.0.0.1')],
  'compatible-public.example.test': [v6('::8.8.8.8')],
  'nat64.example.test': [v6('64:ff9b::a9fe:a9fe')],
  'teredo.example.test': [v6('2001:0:4136:e378:8000:63bf:3fff:fdd2')],
};

describe('webhooks never reach internal addresses (SSRF)', () => {
  let api: TestApi;
  let listener: Awaited<ReturnType<typeof countingListener>>;
  const resolver = testResolver(INTERNAL_NAMES);

  before(async () => {
    listener = await countingListener();
    api = await startTestApi({ resolveHost: resolver, configure: (configuration) => ({ ...configuration, webhooks: settings }) });
  });

  after(async () => {
    await listener.close();
    await api.close();
  });

  const withPort = (url: string) => url.replace('PORT', String(listener.port));

  /** Stores an endpoint as if made before this check existed (or before the opt-in was removed). */
  async function storedEndpoint(url: string): Promise<string> {
    const id = api.dependencies.newId('we');
    const environmentId = api.rows("SELECT id FROM environments WHERE mode = 'test'")[0].id;
    await api.dependencies.store.transaction((repository) =>
      repository.webhookEndpoints.insert({ id, environmentId, url, eventTypes: ['grant.created'], secret: newWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null, description: null, createdAt: Date.now(), deletedAt: null }),
    );
    return id;
  }

  async function deliverOneEvent(): Promise<void> {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '1' });
    await api.dependencies.webhooks.fanOut();
    // A pass claims only as many as the node has free send slots (concurrency 8): send batches until none is due.
    while ((await api.dependencies.webhooks.deliverDue()) > 0);
  }

  const attemptsOf = async (endpointId: string): Promise<Json[]> =>
    (expectStatus(await api.get(`/v1/webhook-endpoints/${endpointId}/deliveries`), 200).data as Json[]).flatMap((delivery: Json) => delivery.attempts);

  it('refuses every internal spelling at creation with a 400 naming url, and writes nothing', async () => {
    for (const url of INTERNAL_URLS) {
      const response = await api.expectNoWrites(() => api.post('/v1/webhook-endpoints', { url: withPort(url), eventTypes: ['*'] }));
      expectError(response, { status: 400, code: 'validation_error', param: 'url', message: 'internal address' });
    }
    assert.equal(listener.connections.length, 0);
  });

  it('refuses an IPv4-compatible address at creation with a 400 naming url, and lists no new endpoint', async () => {
    const listed = async () => (expectStatus(await api.get('/v1/webhook-endpoints?limit=100'), 200).data as Json[]).map((endpoint) => endpoint.id);
    const listedBefore = await listed();
    for (const url of ['http://[::127.0.0.1]:PORT/hook', 'http://[::7f00:1]/hook', 'https://[::8.8.8.8]/hook', 'http://[0:0:0:0:0:0:a00:1]/hook']) {
      const response = await api.expectNoWrites(() => api.post('/v1/webhook-endpoints', { url: withPort(url), eventTypes: ['*'] }));
      expectError(response, { status: 400, code: 'validation_error', param: 'url', message: 'ipv4Compatible' });
    }
    assert.deepEqual(await listed(), listedBefore);
    assert.equal(listener.connections.length, 0);
  });

  it('refuses each one again at send time, for an endpoint stored before: the listener is never contacted', async () => {
    const ids = await Promise.all(INTERNAL_URLS.map((url) => storedEndpoint(withPort(url))));
    await deliverOneEvent();
    for (const [index, id] of ids.entries()) {
      const attempts = await attemptsOf(id);
      assert.equal(attempts.length, 1, INTERNAL_URLS[index]);
      assert.deepEqual([attempts[0].statusCode, attempts[0].error, attempts[0].responseBody], [null, 'address not allowed', null], INTERNAL_URLS[index]);
    }
    assert.equal(listener.connections.length, 0);
    // A manual resend is checked the same way.
    const [delivery] = expectStatus(await api.get(`/v1/webhook-endpoints/${ids[0]}/deliveries`), 200).data;
    const resent = expectStatus(await api.post(`/v1/webhook-endpoints/${ids[0]}/deliveries/${delivery.id}/resend`), 200);
    assert.equal(resent.attempts.at(-1).error, 'address not allowed');
    assert.equal(listener.connections.length, 0);
  });

  it('refuses a DNS name that resolves to an internal address at send time (the name itself passes creation)', async () => {
    const created: string[] = [];
    for (const name of Object.keys(INTERNAL_NAMES)) {
      created.push(expectStatus(await api.post('/v1/webhook-endpoints', { url: `http://${name}:${listener.port}/hook`, eventTypes: ['grant.created'] }), 201).id);
    }
    await deliverOneEvent();
    for (const [index, id] of created.entries()) {
      const attempts = await attemptsOf(id);
      assert.deepEqual(attempts.map((attempt) => attempt.error), ['address not allowed'], Object.keys(INTERNAL_NAMES)[index]);
    }
    for (const name of Object.keys(INTERNAL_NAMES)) assert.ok(resolver.asked.includes(name), `${name} was resolved through the injected resolver`);
    assert.equal(listener.connections.length, 0);
  });

  it('a name that does not resolve is logged as "host not found", nothing more', async () => {
    const id = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'http://nowhere.example.test/hook', eventTypes: ['grant.created'] }), 201).id;
    await deliverOneEvent();
    assert.deepEqual((await attemptsOf(id)).map((attempt) => attempt.error), ['host not found']);
  });
});

describe('WEBHOOK_ALLOWED_HOSTS lets webhooks reach a local receiver', () => {
  let api: TestApi;
  let listener: Awaited<ReturnType<typeof countingListener>>;
  let requests = 0;
  let reply: (response: import('node:http').ServerResponse) => void = (response) => void response.writeHead(204).end();
  const resolver = testResolver({ 'hooks.internal.test': [v4('127.0.0.1')], 'dev.example.test': [v4('127.0.0.1')] });

  before(async () => {
    listener = await countingListener((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => reply(response));
    });
    api = await startTestApi({
      resolveHost: resolver,
      configure: (configuration) => ({ ...configuration, webhooks: settings, webhookAllowedHosts: parseAllowedHosts('127.0.0.0/8, hooks.internal.test') }),
    });
  });

  after(async () => {
    await listener.close();
    await api.close();
  });

  async function deliver(url: string): Promise<Json[]> {
    await api.dependencies.webhooks.fanOut();
    const id = expectStatus(await api.post('/v1/webhook-endpoints', { url, eventTypes: ['grant.created'] }), 201).id;
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '1' });
    await api.dependencies.webhooks.fanOut();
    await api.dependencies.webhooks.deliverDue();
    const attempts = (expectStatus(await api.get(`/v1/webhook-endpoints/${id}/deliveries`), 200).data as Json[]).flatMap((delivery: Json) => delivery.attempts);
    expectStatus(await api.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${id}` }), 200);
    return attempts;
  }

  it('delivers to an allowed address, to an allowed name, and to a name resolving inside an allowed network', async () => {
    for (const host of ['127.0.0.1', '127.1', 'hooks.internal.test', 'dev.example.test']) {
      const before = requests;
      const attempts = await deliver(`http://${host}:${listener.port}/hook`);
      assert.deepEqual(attempts.map((attempt) => [attempt.statusCode, attempt.error]), [[204, null]], host);
      assert.equal(requests, before + 1, host);
    }
  });

  it('still refuses what the list does not name', async () => {
    expectError(await api.post('/v1/webhook-endpoints', { url: `http://[::1]:${listener.port}/hook`, eventTypes: ['*'] }), { status: 400, code: 'validation_error', param: 'url' });
    expectError(await api.post('/v1/webhook-endpoints', { url: 'http://169.254.169.254/latest', eventTypes: ['*'] }), { status: 400, code: 'validation_error', param: 'url' });
  });

  it('reads at most a few KB of the reply, keeps a short excerpt, and does not wait for an endless one', async () => {
    reply = (response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(1024);
      const timer = setInterval(() => response.write(chunk), 5);
      response.on('close', () => clearInterval(timer));
    };
    const started = Date.now();
    const attempts = await deliver(`http://127.0.0.1:${listener.port}/endless`);
    assert.ok(Date.now() - started < settings.timeoutMs, 'the attempt ended once enough was read, before the timeout');
    assert.deepEqual([attempts[0].statusCode, attempts[0].error], [200, null]);
    assert.equal(attempts[0].responseBody, 'x'.repeat(REPLY_EXCERPT_CHARS));
    assert.ok(REPLY_EXCERPT_CHARS < MAX_REPLY_BYTES);
  });

  it('logs generic error texts: "timed out", "connection refused"', async () => {
    reply = () => {}; // never answers
    const silent = await deliver(`http://127.0.0.1:${listener.port}/silent`);
    assert.deepEqual([silent[0].statusCode, silent[0].error, silent[0].responseBody], [null, 'timed out', null]);
    const closed = await countingListener();
    await closed.close();
    const refused = await deliver(`http://127.0.0.1:${closed.port}/closed`);
    assert.deepEqual([refused[0].statusCode, refused[0].error], [null, 'connection refused']);
  });
});

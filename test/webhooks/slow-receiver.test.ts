import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import type { AppDependencies } from '../../src/app/dependencies.ts';
import { startBackgroundWork, type BackgroundWork } from '../../src/background/background-work.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { defaultConfiguration, type Configuration } from '../../src/cli/configuration.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.ts';
import { parseAllowedHosts } from '../../src/webhooks/outbound-address.ts';
import { sendsPerEndpoint } from '../../src/webhooks/send-slots.ts';
import { expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';
import { waitUntil, WebhookReceiver } from './webhook-receiver.ts';

const INTERVAL_MS = 100;
/** What a delivery may take beyond its own timing: a background interval, the send and the record, on a busy test machine. */
const MARGIN_MS = 600;

/**
 * A receiver that never answers: it takes each request and holds it until the
 * sender gives up (the delivery timeout). It counts the requests open at once,
 * in all and per webhook-id.
 */
async function hangingReceiver() {
  const requests: Array<{ id: string; at: number }> = [];
  const openById = new Map<string, number>();
  const state = { open: 0, maxOpen: 0, maxOpenOneId: 0 };
  const server = createServer((request, response) => {
    const id = String(request.headers['webhook-id']);
    requests.push({ id, at: Date.now() });
    state.open += 1;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    openById.set(id, (openById.get(id) ?? 0) + 1);
    state.maxOpenOneId = Math.max(state.maxOpenOneId, openById.get(id)!);
    response.on('close', () => {
      state.open -= 1;
      openById.set(id, openById.get(id)! - 1);
    });
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    state,
    attemptsAt: (id: string) => requests.filter((request) => request.id === id).map((request) => request.at),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** When the healthy receiver got the debit's webhook (polled every 10 ms). */
async function arrival(receiver: WebhookReceiver, debitId: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (!receiver.received.some((webhook) => webhook.payload.data.debitId === debitId)) {
    if (Date.now() > deadline) throw new Error(`debit ${debitId} never arrived`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now();
}

const gaps = (instants: number[]) => instants.slice(1).map((instant, index) => instant - instants[index]!);

/**
 * One receiver that never answers must not delay anyone else's webhooks: sends
 * run beside the background passes, bounded by the node's send slots, so the next
 * fan-out and the next claim never wait for a send in flight. In-process, with the
 * real background loops (`startBackgroundWork`) on a short interval.
 */
describe('a hanging webhook receiver delays only its own deliveries', () => {
  const configure = (settings: DeliverySettings) => (configuration: Configuration) => ({
    ...configuration,
    webhooks: settings,
    webhookAllowedHosts: parseAllowedHosts('127.0.0.1'),
  });
  const cleanups: Array<() => Promise<void>> = [];
  const started: BackgroundWork[] = [];
  // The background loops stop first (as `serve` stops them before closing anything), then the rest, last made first.
  const cleanUp = async () => {
    await Promise.all(started.splice(0).map((work) => work.stop()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  afterEach(cleanUp);
  after(cleanUp);

  async function setUp(settings: DeliverySettings) {
    const api = await startTestApi({ configure: configure(settings) });
    cleanups.push(() => api.close());
    const hanging = await hangingReceiver();
    cleanups.push(() => hanging.close());
    const healthy = await WebhookReceiver.start();
    cleanups.push(() => healthy.stop());
    const errors: string[] = [];
    const background = (dependencies: AppDependencies) => {
      const work = startBackgroundWork(dependencies, { intervalMs: INTERVAL_MS, log: (error, what) => errors.push(`${what}: ${String(error)}`) });
      started.push(work);
      return work;
    };
    return { api, hanging, healthy, errors, background };
  }

  async function endpoint(api: TestApi, url: string, eventTypes: string[]): Promise<Json> {
    return expectStatus(await api.post('/v1/webhook-endpoints', { url, eventTypes }), 201);
  }

  const attemptsOf = async (api: TestApi, endpointId: string): Promise<Json[]> => {
    const deliveries = expectStatus(await api.get(`/v1/webhook-endpoints/${endpointId}/deliveries?limit=100`), 200).data as Json[];
    return deliveries.flatMap((delivery) => delivery.attempts);
  };

  it('delivers a healthy endpoint within an interval while another hangs, and retries both as configured', async () => {
    const settings: DeliverySettings = { retryBaseMs: 400, retryMaxMs: 800, maxAttempts: 100, timeoutMs: 2000, concurrency: 4 };
    const { api, hanging, healthy, errors, background } = await setUp(settings);
    const failing = await WebhookReceiver.start();
    cleanups.push(() => failing.stop());
    failing.failWith = 503;
    const dead = await endpoint(api, hanging.url, ['grant.created']);
    const refusing = await endpoint(api, failing.url, ['grant.created']);
    const live = await endpoint(api, healthy.url, ['debit.created']);
    healthy.useSecret(live.secret);
    const work = background(api.dependencies);

    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '100' });
    await waitUntil(() => hanging.requests.length > 0, 'the hanging receiver to be sent the grant');
    const { id: grantEvent, at: hangStarted } = hanging.requests[0]!;

    // While that send hangs (2 s), debits happen: each one's webhook must not wait for it.
    const arrivals: Array<Promise<number>> = [];
    for (const pause of [300, 500]) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      const debitAt = Date.now();
      assert.ok(debitAt - hangStarted < settings.timeoutMs - INTERVAL_MS - MARGIN_MS, 'the debit happens while the hanging send is in flight');
      const debit = await api.debit({ ...wallet, amount: '1' });
      arrivals.push(arrival(healthy, debit.id as string).then((at) => at - debitAt));
    }
    const latencies = await Promise.all(arrivals);
    for (const latency of latencies) assert.ok(latency < INTERVAL_MS + MARGIN_MS, `debit.created arrived after ${latency} ms (a hanging send times out after ${settings.timeoutMs} ms)`);

    // The hanging delivery is retried after its timeout plus the configured backoff (400 ms, then 800 ms, less up to 10% jitter).
    await waitUntil(() => hanging.attemptsAt(grantEvent).length >= 3, 'three attempts at the hanging receiver', 15_000);
    const hangingGaps = gaps(hanging.attemptsAt(grantEvent)).slice(0, 2);
    for (const [index, gap] of hangingGaps.entries()) {
      const backoff = settings.retryBaseMs * 2 ** index;
      assert.ok(gap >= settings.timeoutMs + backoff * 0.9 && gap <= settings.timeoutMs + backoff + INTERVAL_MS + MARGIN_MS, `hanging retry gap ${index + 1}: ${gap} ms`);
    }
    // A receiver that fails at once is retried on its own schedule, not the hanging one's.
    const refusingStarts = (await attemptsOf(api, refusing.id)).map((attempt) => Date.parse(attempt.startedAt)).sort((a, b) => a - b);
    assert.ok(refusingStarts.length >= 4, `${refusingStarts.length} attempts at the failing receiver`);
    for (const [index, gap] of gaps(refusingStarts).slice(0, 3).entries()) {
      const backoff = Math.min(settings.retryBaseMs * 2 ** index, settings.retryMaxMs);
      assert.ok(gap >= backoff * 0.9 && gap <= backoff + INTERVAL_MS + MARGIN_MS, `failing retry gap ${index + 1}: ${gap} ms (backoff ${backoff} ms)`);
    }

    // Stopping waits for the send in flight: when it resolves, no request is open and every attempt is in the log.
    await waitUntil(() => hanging.state.open > 0, 'a hanging send in flight');
    const stopping = Date.now();
    await work.stop();
    assert.ok(Date.now() - stopping < settings.timeoutMs + MARGIN_MS, `stop took ${Date.now() - stopping} ms`);
    // Every send was recorded (its connection given up) before stop() resolved; the receiver sees the close a moment later.
    const sent = hanging.attemptsAt(grantEvent).length;
    assert.equal((await attemptsOf(api, dead.id)).length, sent, 'every send is recorded before stop() resolves');
    await waitUntil(() => hanging.state.open === 0, 'the hanging connection to be closed by the sender', 500);
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
    assert.equal(hanging.attemptsAt(grantEvent).length, sent, 'nothing is sent after stop()');
    assert.equal(hanging.state.maxOpenOneId, 1);
    assert.deepEqual(errors, []);
  });

  it('a hanging endpoint with more due deliveries than the node has slots holds only its share, and a healthy endpoint is sent at once', async () => {
    const settings: DeliverySettings = { retryBaseMs: 60_000, retryMaxMs: 60_000, maxAttempts: 5, timeoutMs: 2000, concurrency: 16 };
    const share = sendsPerEndpoint(settings.concurrency);
    assert.equal(share, 4);
    const { api, hanging, healthy, errors, background } = await setUp(settings);
    await endpoint(api, hanging.url, ['grant.created']);
    const live = await endpoint(api, healthy.url, ['debit.created']);
    healthy.useSecret(live.secret);
    // 20 deliveries due to the hanging endpoint before the loops start: more than the node's 16 slots.
    const wallet = await api.wallet();
    const pending = 20;
    for (let index = 0; index < pending; index += 1) await api.grant({ ...wallet, amount: '1' });
    background(api.dependencies);

    await waitUntil(() => hanging.requests.length >= share, 'the hanging endpoint to be sent its share');
    const hangStarted = hanging.requests[0]!.at;
    // A few more passes run meanwhile: none may give the hanging endpoint another slot.
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
    const debitAt = Date.now();
    assert.ok(debitAt - hangStarted < settings.timeoutMs - INTERVAL_MS - MARGIN_MS, 'the debit happens while the hanging sends are in flight');
    const debit = await api.debit({ ...wallet, amount: '1' });
    const latency = (await arrival(healthy, debit.id as string)) - debitAt;
    assert.ok(latency < INTERVAL_MS + MARGIN_MS, `debit.created arrived after ${latency} ms (a hanging send times out after ${settings.timeoutMs} ms)`);
    assert.equal(hanging.state.maxOpen, share, `at most ${share} sends open at once to one endpoint`);

    // The hanging endpoint is not starved either: as its sends time out, its next deliveries take their slots.
    await waitUntil(() => new Set(hanging.requests.map((request) => request.id)).size >= 2 * share, 'a second round of sends to the hanging endpoint', 10_000);
    assert.ok(hanging.state.maxOpen <= share, `${hanging.state.maxOpen} sends open at once to one endpoint`);
    assert.equal(hanging.state.maxOpenOneId, 1, 'no delivery sent twice at once');
    assert.deepEqual(errors, []);
  });

  it('two nodes on one database never send a delivery twice at once, and each keeps within its send slots', async () => {
    const settings: DeliverySettings = { retryBaseMs: 300, retryMaxMs: 300, maxAttempts: 3, timeoutMs: 800, concurrency: 2 };
    const { api, hanging, healthy, errors, background } = await setUp(settings);
    const dead = await endpoint(api, hanging.url, ['grant.created']);
    const live = await endpoint(api, healthy.url, ['grant.created']);
    healthy.useSecret(live.secret);
    // A second node: its own connection to the same SQLite file, its own dispatcher and send slots.
    const otherStore = new SqliteStore(api.databasePath);
    cleanups.push(() => otherStore.close());
    await otherStore.migrate();
    background(api.dependencies);
    background(composeDependencies(otherStore, { configuration: configure(settings)(defaultConfiguration()) }));

    const wallet = await api.wallet();
    const grants: Json[] = [];
    for (let index = 0; index < 6; index += 1) grants.push(await api.grant({ ...wallet, amount: '1' }));
    const grantIds = grants.map((grant) => grant.id as string);
    await healthy.waitFor(() => grantIds.every((id) => healthy.received.some((webhook) => webhook.payload.data.grantId === id)), 'every grant at the healthy receiver', 20_000);
    const grantEvents = healthy.received.map((webhook) => webhook.id);
    // Every hanging delivery times out maxAttempts times, then fails for good.
    await waitUntil(
      async () => {
        const deliveries = expectStatus(await api.get(`/v1/webhook-endpoints/${dead.id}/deliveries?limit=100`), 200).data as Json[];
        return deliveries.length === grantEvents.length && deliveries.every((delivery) => delivery.status === 'failed');
      },
      'every hanging delivery to fail after its attempts',
      30_000,
    );
    assert.equal(hanging.state.maxOpenOneId, 1, 'no delivery was sent twice at once');
    assert.ok(hanging.state.maxOpen <= 2 * settings.concurrency, `${hanging.state.maxOpen} sends open at once on two nodes of ${settings.concurrency} slots`);
    for (const id of grantEvents) assert.equal(hanging.attemptsAt(id).length, settings.maxAttempts, `${id} attempts`);
    assert.equal((await attemptsOf(api, dead.id)).length, grantEvents.length * settings.maxAttempts);
    const received = healthy.received.map((webhook) => webhook.id);
    assert.deepEqual([...received].sort(), [...grantEvents].sort(), 'each grant delivered once');
    assert.deepEqual(healthy.rejected, []);
    assert.deepEqual(errors, []);
  });
});

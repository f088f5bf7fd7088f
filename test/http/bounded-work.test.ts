import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LARGE_ROW_PAGE_SIZE } from '../../src/app/export-source.ts';
import { SLICE_SEQUENCES } from '../../src/app/sequence-slices.ts';
import { MAX_JSON_CONTAINERS } from '../../src/edge/json-body.ts';
import type { Repository } from '../../src/store/repository/repository.ts';
import { expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type TestApi } from '../support/test-api.ts';

/**
 * Requests whose work grows with stored data or with what the caller sends do it
 * in bounded steps (a slice, a page a turn) or are refused with a 400: no request
 * holds the event loop, or memory, in proportion to a size the caller chose.
 * Each test counts what one read returned, never how long anything took.
 */

/** Records how many rows each read of `table` (a repository's query object) returned while `api` serves. */
function watchReads(api: TestApi, table: keyof Repository): { largest: () => number; reads: () => number; stop: () => void } {
  const store = api.store;
  const original = store.read;
  const sizes: number[] = [];
  const watched = (queries: object) =>
    new Proxy(queries, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          if (Array.isArray(result)) sizes.push(result.length);
          return result;
        };
      },
    });
  store.read = ((work: (repository: Repository) => Promise<unknown>) =>
    original.call(store, (repository: Repository) =>
      work(new Proxy(repository, { get: (target, property) => (property === table ? watched(Reflect.get(target, property) as object) : Reflect.get(target, property)) })),
    )) as typeof store.read;
  return { largest: () => Math.max(0, ...sizes), reads: () => sizes.length, stop: () => void (store.read = original) };
}

/** `count` debits of 0.01 on the wallet, a batch of up to 1,000 at a time. */
async function debitMany(api: TestApi, wallet: { customerId: string; unit: string }, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    const debits = Array.from({ length: Math.min(1000, count - done) }, () => ({ ...wallet, amount: '0.01' }));
    const body = expectStatus(await api.post('/v1/debits/batch', { debits }), 200);
    assert.ok(body.data.every((item: { status: string }) => item.status === 'succeeded'));
  }
}

describe('bounded work per request', () => {
  let api: TestApi;
  /** A wallet whose ledger is longer than one slice of its sequence: a grant, then SLICE_SEQUENCES + 100 debits a minute later. */
  let long: { customerId: string; unit: string };
  const debits = SLICE_SEQUENCES + 100;

  before(async () => {
    api = await startTestApi();
    long = await api.wallet();
    await api.grant({ ...long, amount: '1000' });
    // The runway's window starts when the wallet was made (the test clock is frozen): the debits come a minute later.
    await api.advanceClock(api.t0 + MINUTE);
    await debitMany(api, long, debits);
    await api.advanceClock(api.t0 + HOUR);
  });

  after(async () => api.close());

  /** Runs `request` and answers the largest number of ledger entries one read returned meanwhile. */
  async function largestLedgerRead(request: () => Promise<void>): Promise<number> {
    const watch = watchReads(api, 'ledger');
    try {
      await request();
      assert.ok(watch.reads() >= 2, 'the ledger took more than one read');
      return watch.largest();
    } finally {
      watch.stop();
    }
  }

  it("runway sums its window's entries a slice of the wallet's sequence per read, never all of them at once", async () => {
    const largest = await largestLedgerRead(async () => {
      const runway = expectStatus(await api.get(`/v1/balances/runway?customerId=${long.customerId}&unit=${long.unit}`), 200);
      // Every debit is in the window: the sum is exact however it was read.
      assert.equal(runway.burnRate.consumed, `${Math.floor(debits / 100)}.${String(debits % 100).padStart(2, '0')}`);
    });
    assert.ok(largest <= SLICE_SEQUENCES, `one read returned ${largest} ledger entries`);
  });

  it('a past balance and a history chart replay a ledger read a slice at a time', async () => {
    const query = `customerId=${long.customerId}&unit=${long.unit}`;
    const past = await largestLedgerRead(async () => {
      const balance = expectStatus(await api.get(`/v1/balances?${query}&at=${iso(api.t0 + 30 * MINUTE)}`), 200);
      assert.equal(balance.available, String(1000 - debits / 100));
    });
    assert.ok(past <= SLICE_SEQUENCES, `one read for a past balance returned ${past} ledger entries`);
    const chart = await largestLedgerRead(async () => {
      const history = expectStatus(await api.get(`/v1/balances/history?${query}&interval=hour&from=${iso(api.t0 - HOUR)}`), 200);
      assert.equal(history.data.at(-1).available, String(1000 - debits / 100));
      assert.equal(history.data.at(-1).consumed, String(debits / 100));
    });
    assert.ok(chart <= SLICE_SEQUENCES, `one read for a history chart returned ${chart} ledger entries`);
  });

  it("exports and reports of rows that carry the caller's metadata read LARGE_ROW_PAGE_SIZE rows at a time, not 2,000", async () => {
    const wallet = await api.wallet();
    const feature = api.unique('model');
    expectStatus(await api.post('/v1/features', { key: feature, quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit: wallet.unit, amount: '1' }), 201);
    const rows = LARGE_ROW_PAGE_SIZE + 50;
    const events = Array.from({ length: rows }, (_, index) => ({ id: api.unique('event'), customerId: wallet.customerId, feature, quantity: 1, metadata: { index: String(index) } }));
    const booked = expectStatus(await api.post('/v1/usage-events/batch', { events }), 200);
    assert.ok(booked.data.every((item: { status: string }) => item.status === 'succeeded'));
    for (let index = 0; index < rows; index += 1) await api.grant({ ...wallet, amount: '1', cost: { amount: '1', currency: 'usd' }, category: 'paid', metadata: { index: String(index) } });
    await api.advanceClock(api.t0 + 2 * HOUR);
    const window = `from=${iso(api.t0 - HOUR)}&to=${iso(api.t0 + 2 * HOUR)}&customerId=${wallet.customerId}`;

    const largestRead = async (table: 'usageEvents' | 'grants', url: string, lines?: number): Promise<number> => {
      const watch = watchReads(api, table);
      try {
        const response = await api.get(url);
        assert.equal(response.status, 200, response.text);
        if (lines !== undefined) assert.equal(response.text.trimEnd().split('\n').length, lines, `${url}: every row`);
        return watch.largest();
      } finally {
        watch.stop();
      }
    };
    for (const format of ['csv', 'jsonl']) {
      const header = format === 'csv' ? 1 : 0;
      assert.ok((await largestRead('usageEvents', `/v1/exports/usage?${window}&format=${format}`, rows + header)) <= LARGE_ROW_PAGE_SIZE, `usage export (${format})`);
      assert.ok((await largestRead('grants', `/v1/exports/grants?${window}&format=${format}`, rows + header)) <= LARGE_ROW_PAGE_SIZE, `grants export (${format})`);
    }
    assert.ok((await largestRead('usageEvents', `/v1/usage?${window}`)) <= LARGE_ROW_PAGE_SIZE, 'usage report');
    assert.ok((await largestRead('grants', `/v1/reports/revenue?${window}&currency=usd`)) <= LARGE_ROW_PAGE_SIZE, 'revenue report');
  });

  it('refuses a body of more objects and arrays than any request holds, before parsing it, and takes the largest batch', async () => {
    const wallet = await api.wallet();
    // Just under 1 MiB of empty arrays nested 60 deep: about 520,000 of them.
    const chain = `${'['.repeat(60)}${']'.repeat(60)}`;
    const chains = Math.floor((1024 * 1024 - 200) / (chain.length + 1));
    const payload = `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":"1","z":[${Array(chains).fill(chain).join(',')}]}`;
    assert.ok(payload.length < 1024 * 1024 && chains * 60 > MAX_JSON_CONTAINERS);
    await api.expectNoWrites(async () =>
      expectError(await api.request({ method: 'POST', url: '/v1/debits', payload }), {
        status: 400,
        code: 'invalid_json',
        message: `The body holds more than ${MAX_JSON_CONTAINERS} objects and arrays.`,
      }),
    );
    // A batch of 1,000 usage events, each with its dimensions and metadata, holds about 3,000: taken.
    const feature = api.unique('model');
    expectStatus(await api.post('/v1/features', { key: feature, dimensions: ['direction'], quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit: wallet.unit, amount: '0' }), 201);
    const events = Array.from({ length: 1000 }, () => ({ id: api.unique('event'), customerId: wallet.customerId, feature, quantity: 1, dimensions: { direction: 'in' }, metadata: { a: 'b' } }));
    const booked = expectStatus(await api.post('/v1/usage-events/batch', { events }), 200);
    assert.equal(booked.data.filter((item: { status: string }) => item.status === 'succeeded').length, 1000);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { amountFromDecimalString, formatAmount } from '../../src/domain/amount.ts';
import { expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

describe('usage report', () => {
  let api: TestApi;
  let customerId: string;
  let unit: string;
  let feature: string;

  before(async () => {
    api = await startTestApi();
    ({ customerId, unit } = await api.wallet({ scale: 2 }));
    feature = api.unique('tokens');
    expectStatus(await api.post('/v1/features', { key: feature, dimensions: ['model', 'direction'], quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.15', per: '1000' }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.6', per: '1000', dimensions: { direction: 'output' } }), 201);
    await api.grant({ customerId, unit, amount: '1' });
    await api.advanceClock(api.t0 + 3 * HOUR);
    const events: Array<[number, string, Record<string, string>]> = [
      [10 * MINUTE, '1840', { model: 'gpt-4o', direction: 'input' }], // 0.28
      [20 * MINUTE, '1000', { model: 'gpt-4o', direction: 'output' }], // 0.6
      [70 * MINUTE, '333', { model: 'o1', direction: 'output' }], // 0.2 (0.1998 up)
      [130 * MINUTE, '2000', { model: 'gpt-4o', direction: 'output' }], // 1.2: 0 left in grants → shortfall
    ];
    for (const [offset, quantity, dimensions] of events) {
      expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity, dimensions, timestamp: iso(api.t0 + offset) }), 201);
    }
  });

  after(async () => {
    await api.close();
  });

  const report = async (query: Record<string, string>) =>
    expectStatus(await api.get(`/v1/usage?${new URLSearchParams({ customerId, from: iso(api.t0), to: iso(api.t0 + 3 * HOUR), ...query })}`), 200);
  const figures = (rows: Json[]) => rows.map((row) => [row.start, row.group, row.events, row.quantity, row.cost, row.charged, row.shortfall]);

  it('sums quantities and credits exactly per hour and per dimension value, by when the usage happened', async () => {
    const hourly = await report({ interval: 'hour', groupBy: 'dimension.model' });
    assert.deepEqual(figures(hourly.data), [
      [iso(api.t0), 'gpt-4o', 2, '2840', '0.88', '0.88', '0'],
      [iso(api.t0 + HOUR), 'o1', 1, '333', '0.2', '0.12', '0.08'],
      [iso(api.t0 + 2 * HOUR), 'gpt-4o', 1, '2000', '1.2', '0', '1.2'],
    ]);
    const total = await report({ groupBy: 'feature' });
    assert.deepEqual(figures(total.data), [[iso(api.t0), feature, 4, '5173', '2.28', '1', '1.28']]);
    assert.deepEqual([total.data[0].end, total.interval, total.data[0].unit], [iso(api.t0 + 3 * HOUR), 'total', unit]);
    const byDirection = await report({ groupBy: 'dimension.direction', feature });
    assert.deepEqual(byDirection.data.map((row: Json) => [row.group, row.cost]), [
      ['input', '0.28'],
      ['output', '2'],
    ]);
  });

  it("ties to the ledger: what it says was charged is what the customer's ledger booked for usage", async () => {
    const total = await report({});
    const entries = expectStatus(await api.get(`/v1/ledger-entries?customerId=${customerId}&unit=${unit}&limit=100`), 200).data as Json[];
    const usage = entries.filter((entry) => entry.type === 'debit' || entry.type === 'overdraft');
    const booked = usage.reduce((sum, entry) => sum - amountFromDecimalString(entry.amount), 0n);
    assert.equal(total.data[0].charged, formatAmount(booked));
    const balance = await api.balance({ customerId, unit });
    assert.equal(balance.available, '0');
  });

  it('answers bad queries with clear errors', async () => {
    const url = (query: Record<string, string>) => `/v1/usage?${new URLSearchParams(query)}`;
    const base = { customerId, from: iso(api.t0), to: iso(api.t0 + HOUR) };
    expectError(await api.get(url({ ...base, groupBy: 'region' })), { status: 400, code: 'validation_error', param: 'groupBy' });
    expectError(await api.get(url({ ...base, interval: 'week' })), { status: 400, code: 'validation_error', param: 'interval' });
    expectError(await api.get(url({ ...base, to: iso(api.t0) })), { status: 400, code: 'validation_error', param: 'to' });
    expectError(await api.get(url({ ...base, from: 'yesterday' })), { status: 400, code: 'validation_error', param: 'from' });
    expectError(await api.get(url({ ...base, customerId: 'nobody' })), { status: 404, code: 'not_found', param: 'customerId' });
    expectError(await api.get(url({ ...base, feature: 'nope' })), { status: 404, code: 'not_found', param: 'feature' });
    expectError(await api.get(url({ customerId, from: iso(api.t0) })), { status: 400, code: 'validation_error', param: 'to' });
  });
});

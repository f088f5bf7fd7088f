import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openExport } from '../../src/app/exports.ts';
import { expectError, expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';
import { exactDecimal } from '../support/exact-decimal.ts';

/**
 * GET /v1/exports/<kind>: every kind in both formats matches what the API's
 * reads show, CSV parses back to the same values as JSON lines, amounts are
 * exact, bad input is a JSON error before any row, and a key sees only its
 * own environment's rows.
 */
const EVER = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

describe('exports', () => {
  let api: TestApi;
  let wallet: { customerId: string; unit: string };
  let other: { customerId: string; unit: string };
  let live: { customerId: string; unit: string };
  const usageIds: string[] = [];

  async function exported(kind: string, query: Record<string, string> = {}, key?: string): Promise<{ csv: Json[]; jsonl: Json[]; headers: Json }> {
    const search = (format: string) => new URLSearchParams({ ...EVER, ...query, format }).toString();
    const csv = await api.get(`/v1/exports/${kind}?${search('csv')}`, key === undefined ? {} : { key });
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(csv.headers['content-disposition']), new RegExp(`^attachment; filename="creditbook-${kind}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.csv"$`));
    assert.ok(csv.text.endsWith('\r\n'), 'a complete CSV ends with a line end');
    const jsonl = await api.get(`/v1/exports/${kind}?${search('jsonl')}`, key === undefined ? {} : { key });
    assert.equal(jsonl.status, 200, jsonl.text);
    assert.equal(jsonl.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    const lines = jsonl.text === '' ? [] : jsonl.text.replace(/\n$/, '').split('\n').map((line) => JSON.parse(line));
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    // CSV carries the same values as JSON lines: strings as they are, null as empty, JSON as its text.
    assert.equal(rows.length, lines.length);
    rows.forEach((row, index) => {
      const line = lines[index];
      assert.deepEqual(Object.keys(row), Object.keys(line), 'the same columns, in the same order');
      for (const [name, value] of Object.entries(line)) {
        const text = value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
        assert.equal(row[name], text, `row ${index} ${name}`);
      }
    });
    return { csv: rows, jsonl: lines, headers: csv.headers };
  }

  before(async () => {
    api = await startTestApi();
    wallet = await api.wallet({ scale: 10 });
    other = { customerId: (await api.createCustomer({ id: 'cus_other' })).id, unit: wallet.unit };
    await api.grant({ ...wallet, amount: '1234567890123456789012345.1234567891', category: 'paid', cost: { amount: '99.99', currency: 'usd' }, name: 'Acme, "Pro" plan\nyearly', metadata: { note: '=SUM(A1:A9)' } });
    // Burnt last (priority 99), so it still holds its credit when it expires.
    await api.grant({ ...wallet, amount: '0.0000000001', priority: 99, expiresAt: iso(api.t0 + 2 * HOUR) });
    await api.debit({ ...wallet, amount: '12.5' });
    await api.hold({ ...wallet, amount: '0.3333333333' });
    await api.advanceClock(api.t0 + HOUR);
    await api.grant({ ...other, amount: '7' });
    await api.debit({ ...other, amount: '0.25' });
    await api.advanceClock(api.t0 + 3 * HOUR); // the tiny grant expires at t0 + 2h

    await api.post('/v1/features', { key: 'tokens', dimensions: ['direction'], quantityScale: 0 });
    expectStatus(await api.post('/v1/prices', { feature: 'tokens', unit: wallet.unit, amount: '2.5', per: '1000' }), 201);
    for (const [index, quantity] of [1234, 1, 999].entries()) {
      const event = expectStatus(await api.post('/v1/usage-events', { id: `evt_export_${index}`, customerId: wallet.customerId, feature: 'tokens', quantity, dimensions: { direction: 'in' } }), [200, 201]);
      usageIds.push(event.id);
    }

    live = await api.wallet({ key: api.liveKey });
    await api.grant({ ...live, amount: '55' }, { key: api.liveKey });
  });
  after(() => api?.close());

  it('ledger: every entry of the environment, by effective time, as the ledger list shows it; per wallet the amounts sum to the balance', async () => {
    const { csv, jsonl } = await exported('ledger');
    const listed: Json[] = [];
    for (let startingAfter: string | null = null; ; ) {
      const page: Json = expectStatus(await api.get(`/v1/ledger-entries?limit=100${startingAfter ? `&startingAfter=${startingAfter}` : ''}`), 200);
      listed.push(...page.data);
      if (!page.hasMore) break;
      startingAfter = page.data.at(-1).id;
    }
    listed.sort((left, right) => (left.effectiveAt === right.effectiveAt ? (left.id < right.id ? -1 : 1) : left.effectiveAt < right.effectiveAt ? -1 : 1));
    assert.ok(listed.length >= 8, `${listed.length} entries`);
    assert.deepEqual(
      jsonl.map((row) => row.id),
      listed.map((entry) => entry.id),
      'every entry once, ordered by effectiveAt then id',
    );
    jsonl.forEach((row, index) => {
      const { object: _object, ...entry } = listed[index];
      assert.deepEqual(row, { ...entry, walletId: entry.walletId }, `entry ${entry.id} as GET /v1/ledger-entries shows it`);
    });
    assert.ok(jsonl.some((row) => row.type === 'expiry') && jsonl.some((row) => row.type === 'hold') && jsonl.some((row) => row.type === 'debit'));
    assert.ok(csv.some((row) => row.amount === '1234567890123456789012345.1234567891'), 'the widest amount, exact');
    for (const target of [wallet, other]) {
      const sum = csv.filter((row) => row.customerId === target.customerId).reduce((total, row) => total + exactDecimal(row.amount), 0n);
      assert.equal(sum, exactDecimal((await api.balance(target)).available), `${target.customerId}: the amounts sum to the balance`);
    }
  });

  it('ledger: the window is [from, to) on effective time, and customerId and unit filter it', async () => {
    const everything = (await exported('ledger')).jsonl;
    const within = (from: number, to: number) => everything.filter((row) => Date.parse(row.effectiveAt) >= from && Date.parse(row.effectiveAt) < to).map((row) => row.id);
    const window = await exported('ledger', { from: iso(api.t0 + HOUR), to: iso(api.t0 + 2 * HOUR) });
    assert.deepEqual(window.jsonl.map((row) => row.id), within(api.t0 + HOUR, api.t0 + 2 * HOUR));
    assert.ok(window.jsonl.some((row) => row.customerId === other.customerId) && window.jsonl.length < everything.length);
    const upTo = await exported('ledger', { to: iso(api.t0 + HOUR) });
    assert.deepEqual(upTo.jsonl.map((row) => row.id), within(0, api.t0 + HOUR), 'to is exclusive');
    assert.ok(upTo.jsonl.length > 0);
    const mine = await exported('ledger', { customerId: wallet.customerId, unit: wallet.unit });
    assert.deepEqual(mine.jsonl.map((row) => row.id), everything.filter((row) => row.customerId === wallet.customerId).map((row) => row.id));
    assert.ok(mine.jsonl.length > 0 && mine.jsonl.every((row) => row.unit === wallet.unit));
  });

  it('grants: every grant made in the window, with its state now, as GET /v1/grants shows it; names and metadata survive CSV', async () => {
    const { csv, jsonl } = await exported('grants');
    const listed: Json[] = expectStatus(await api.get('/v1/grants?includeVoided=true&limit=100'), 200).data;
    assert.deepEqual(jsonl.map((row) => row.id).sort(), listed.map((grant) => grant.id).sort());
    for (const row of jsonl) {
      const grant = listed.find((candidate) => candidate.id === row.id);
      for (const field of ['customerId', 'unit', 'walletKey', 'status', 'category', 'source', 'amount', 'available', 'held', 'consumed', 'expired', 'voided', 'priority', 'effectiveAt', 'expiresAt', 'createdAt', 'name', 'metadata', 'appliesTo']) {
        assert.deepEqual(row[field], grant[field], `${row.id} ${field}`);
      }
      assert.equal(row.costAmount, grant.cost?.amount ?? null);
      assert.equal(exactDecimal(row.amount), [row.available, row.held, row.consumed, row.expired, row.voided].map(exactDecimal).reduce((total, part) => total + part, 0n), 'the parts add up');
    }
    const tiny = jsonl.find((row) => row.amount === '0.0000000001');
    assert.equal(tiny.status, 'expired');
    assert.equal(tiny.expired, '0.0000000001');
    const paid = csv.find((row) => row.category === 'paid')!;
    assert.equal(paid.name, 'Acme, "Pro" plan\nyearly', 'quotes, commas and line breaks round-trip');
    assert.deepEqual(JSON.parse(paid.metadata!), { note: '=SUM(A1:A9)' });
    assert.equal(paid.costAmount, '99.99');
    assert.equal(paid.costCurrency, 'usd');
    const onlyOther = await exported('grants', { customerId: other.customerId });
    assert.deepEqual(onlyOther.jsonl.map((row) => row.customerId), [other.customerId]);
  });

  it('usage: the rated events by timestamp, as booked', async () => {
    const { jsonl } = await exported('usage');
    assert.deepEqual(jsonl.map((row) => row.id).sort(), [...usageIds].sort());
    for (const row of jsonl) {
      const event = expectStatus(await api.get(`/v1/usage-events/${row.id}`), 200);
      for (const field of ['customerId', 'feature', 'quantity', 'dimensions', 'timestamp', 'cost', 'consumed', 'overdrawn', 'shortfall', 'allocations', 'debitId', 'metadata']) {
        assert.deepEqual(row[field], event[field], `${row.id} ${field}`);
      }
      assert.equal(row.priceId, event.price.id);
      assert.equal(exactDecimal(row.cost), exactDecimal(row.consumed) + exactDecimal(row.overdrawn) + exactDecimal(row.shortfall));
    }
    assert.deepEqual(
      jsonl.map((row) => row.cost),
      ['3.085', '0.0025', '2.4975'],
      '1234, 1 and 999 tokens at 2.5 per 1000, exact at the unit scale of 10',
    );
  });

  it('an empty window is a header (CSV) or nothing (JSON lines)', async () => {
    const empty = await exported('ledger', { from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' });
    assert.deepEqual([empty.csv, empty.jsonl], [[], []]);
    const text = (await api.get(`/v1/exports/ledger?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z`)).text;
    assert.equal(text.split('\r\n')[0], 'id,effectiveAt,createdAt,customerId,unit,walletKey,walletId,sequence,type,amount,heldAmount,balanceAfter,heldAfter,grantId,debitId,holdId');
  });

  it('a key sees only its own environment: the live key gets live rows only, and another environment’s customer is unknown', async () => {
    const testIds = new Set((await exported('ledger')).jsonl.map((row) => row.id));
    const liveRows = (await exported('ledger', {}, api.liveKey)).jsonl;
    assert.deepEqual(liveRows.map((row) => row.customerId), [live.customerId]);
    assert.ok(liveRows.every((row) => !testIds.has(row.id)));
    assert.ok(![...testIds].some((id) => liveRows.some((row) => row.id === id)));
    for (const kind of ['ledger', 'grants', 'usage']) {
      const rows = (await exported(kind)).jsonl;
      assert.ok(rows.every((row) => row.customerId !== live.customerId), `${kind}: no live rows for the test key`);
      expectError(await api.get(`/v1/exports/${kind}?${new URLSearchParams({ ...EVER, customerId: live.customerId })}`), { status: 404, code: 'not_found', param: 'customerId' });
    }
    expectError(await api.get(`/v1/exports/grants?${new URLSearchParams({ ...EVER, unit: live.unit })}`), { status: 404, code: 'not_found', param: 'unit' });
  });

  it('refuses bad input with a JSON error, before any row', async () => {
    const cases: Array<[string, number, string, string | undefined]> = [
      ['/v1/exports/ledger?from=2026-02-30T00:00:00Z&to=2026-03-01T00:00:00Z', 400, 'validation_error', 'from'],
      ['/v1/exports/ledger?from=2026-01-01T00:00:00Z&to=2026-01-01T24:00:00Z', 400, 'validation_error', 'to'],
      ['/v1/exports/ledger?from=yesterday&to=2026-03-01T00:00:00Z', 400, 'validation_error', 'from'],
      ['/v1/exports/ledger?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z', 400, 'validation_error', 'to'],
      ['/v1/exports/ledger?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z', 400, 'validation_error', 'to'],
      ['/v1/exports/ledger?to=2026-03-01T00:00:00Z', 400, 'validation_error', 'from'],
      ['/v1/exports/grants?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&format=xlsx', 400, 'validation_error', 'format'],
      ['/v1/exports/usage?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&walletKey=x', 400, 'validation_error', 'walletKey'],
      ['/v1/exports/payouts?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 404, 'not_found', 'kind'],
      ['/v1/exports/ledger?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&customerId=cus_nobody', 404, 'not_found', 'customerId'],
      ['/v1/exports/usage?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&unit=no_such_unit', 404, 'not_found', 'unit'],
    ];
    for (const [url, status, code, param] of cases) {
      const error = expectError(await api.get(url), { status, code, ...(param ? { param } : {}) });
      assert.ok(error.message.length > 10, `${url}: ${error.message}`);
    }
    const unknown = expectError(await api.get('/v1/exports/payouts?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z'), { status: 404, code: 'not_found' });
    assert.match(unknown.message, /ledger, grants, usage/, 'names the exports there are');
  });

  it('needs the read scope', async () => {
    const readOnly = expectStatus(await api.post('/v1/api-keys', { name: 'reader', scopes: ['read'] }), 201).key;
    const writer = expectStatus(await api.post('/v1/api-keys', { name: 'writer', scopes: ['debits:write'] }), 201).key;
    assert.equal((await api.get(`/v1/exports/ledger?${new URLSearchParams(EVER)}`, { key: readOnly })).status, 200);
    expectError(await api.get(`/v1/exports/ledger?${new URLSearchParams(EVER)}`, { key: writer }), { status: 403, code: 'forbidden' });
    expectError(await api.get(`/v1/exports/ledger?${new URLSearchParams(EVER)}`, { key: null }), { status: 401, code: 'unauthenticated' });
  });

  it('walks pages by (time, id): rows that share an instant across page boundaries come once each, in order', async () => {
    const environment = (await api.store.read((repository) => repository.accounts.listEnvironments())).find((candidate) => candidate.id.startsWith('env_default_test'))!;
    const context = { environment, requestId: 'paging' };
    const whole: string[] = [];
    for await (const page of (await openExport(api.dependencies, context, 'ledger', { from: Date.parse(EVER.from), to: Date.parse(EVER.to) })).pages) whole.push(...page.map((row) => String(row[0])));
    for (const pageSize of [1, 2, 3]) {
      const paged: string[] = [];
      for await (const page of (await openExport(api.dependencies, context, 'ledger', { from: Date.parse(EVER.from), to: Date.parse(EVER.to) }, { pageSize })).pages) {
        assert.ok(page.length <= pageSize);
        paged.push(...page.map((row) => String(row[0])));
      }
      assert.deepEqual(paged, whole, `pages of ${pageSize}`);
    }
    assert.ok(whole.length >= 8);
  });
});

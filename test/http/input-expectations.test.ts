import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVENT_TYPES } from '../../src/app/event-types.ts';
import { expectError, expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Input handled the way users expect (issue 11, item 3): auth schemes in any case,
 * duplicate keys refused, one amount however it is spelled, webhook event types
 * that exist, ISO 4217 currencies, and errors that name what is allowed.
 */
describe('input as users expect it', () => {
  let api: TestApi;
  let wallet: { customerId: string; unit: string };

  before(async () => {
    api = await startTestApi();
    wallet = await api.wallet({ scale: 2 });
    await api.grant({ ...wallet, amount: '1000' });
  });

  after(async () => {
    await api.close();
  });

  it('the auth scheme is case-insensitive (RFC 9110); other schemes are still refused', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expectStatus(await api.get('/v1/units', { headers: { authorization: `${scheme} ${api.testKey}` } }), 200);
    }
    expectStatus(await api.get('/v1/units', { headers: { authorization: `bearer   ${api.testKey}  ` } }), 200);
    for (const authorization of [`Basic ${api.testKey}`, `Bearer${api.testKey}`, api.testKey]) {
      expectError(await api.get('/v1/units', { headers: { authorization } }), { status: 401, code: 'unauthenticated' });
    }
  });

  it('a duplicate JSON key is 400 naming it, wherever it is, and writes nothing', async () => {
    const body = (inner: string) => `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}",${inner}}`;
    const send = (payload: string) => api.expectNoWrites(() => api.request({ method: 'POST', url: '/v1/debits', payload }));
    const top = expectError(await send(body('"amount":"1","amount":"50"')), { status: 400, code: 'invalid_json', param: 'amount' });
    assert.match(top.message, /'amount' more than once/);
    // Equal values are refused too: which one was meant is not for us to guess.
    expectError(await send(body('"amount":"1","amount":"1"')), { status: 400, code: 'invalid_json', param: 'amount' });
    expectError(await send(body('"amount":"1","metadata":{"a":"1","b":"2","a":"3"}')), { status: 400, code: 'invalid_json', param: 'metadata.a' });
    const batch = `{"debits":[{"customerId":"c","unit":"u","amount":"1"},{"customerId":"c","customerId":"d","unit":"u","amount":"1"}]}`;
    expectError(await api.expectNoWrites(() => api.request({ method: 'POST', url: '/v1/debits/batch', payload: batch })), {
      status: 400,
      code: 'invalid_json',
      param: 'debits.1.customerId',
    });
    // The same key in different objects, and a key that only looks like one inside a string, are fine.
    expectStatus(await api.request({ method: 'POST', url: '/v1/debits', payload: body('"amount":"1","metadata":{"amount":"x","note":"\\"amount\\":1,"}') }), 201);
  });

  it('"1e3" and 1e3 are the same amount', async () => {
    const asString = expectStatus(await api.post('/v1/grants', { ...wallet, amount: '1e3' }), 201);
    const asNumber = expectStatus(await api.request({ method: 'POST', url: '/v1/grants', payload: `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":1e3}` }), 201);
    assert.equal(asString.amount, '1000');
    assert.equal(asNumber.amount, '1000');
    assert.equal(expectStatus(await api.post('/v1/debits', { ...wallet, amount: '1.25E1' }), 201).amount, '12.5');
  });

  it('an idempotent replay compares amounts by value, not by their spelling', async () => {
    const first = await api.post('/v1/debits', { ...wallet, amount: '12.5' }, { idempotencyKey: 'spelled-otherwise' });
    assert.equal(first.status, 201);
    for (const amount of ['12.50', 12.5, '1.25e1', '012.5']) {
      const replay = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount }, { idempotencyKey: 'spelled-otherwise' }));
      assert.equal(replay.status, 201, `${JSON.stringify(amount)}: ${replay.text}`);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.body, first.body);
    }
    expectError(await api.post('/v1/debits', { ...wallet, amount: '12.51' }, { idempotencyKey: 'spelled-otherwise' }), { status: 409, code: 'idempotency_conflict' });
  });

  it('webhook endpoints accept only event types and families that exist, and GET /v1/events filters by the same', async () => {
    const endpoint = (eventTypes: string[]) => api.post('/v1/webhook-endpoints', { url: 'https://example.com/hook', eventTypes });
    for (const [types, param] of [
      [['no.such.event'], 'eventTypes.0'],
      [['grant.created', 'nosuch.*'], 'eventTypes.1'],
      [['grant'], 'eventTypes.0'],
      [['grant.created.*'], 'eventTypes.0'],
    ] as const) {
      const error = expectError(await api.expectNoWrites(() => endpoint([...types])), { status: 400, code: 'validation_error', param });
      assert.match(error.message, /debit\.\*/, 'names the families there are');
    }
    const created = expectStatus(await endpoint(['debit.*', 'invoice.paid', 'invoice.paid.*', '*']), 201);
    assert.deepEqual(created.eventTypes, ['debit.*', 'invoice.paid', 'invoice.paid.*', '*']);

    const debit = expectStatus(await api.post('/v1/debits', { ...wallet, amount: '1' }), 201);
    const family = expectStatus(await api.get('/v1/events?type=debit.*&limit=100'), 200);
    assert.ok(family.data.length > 0);
    assert.ok(family.data.every((event: Json) => event.type.startsWith('debit.')));
    assert.equal(family.data[0].data.debitId, debit.id);
    assert.deepEqual(expectStatus(await api.get('/v1/events?type=debit.created&limit=100'), 200).data, family.data);
    assert.ok(expectStatus(await api.get('/v1/events?type=*&limit=100'), 200).data.length > family.data.length);
    expectError(await api.get('/v1/events?type=no.such.event'), { status: 400, code: 'validation_error', param: 'type' });
    assert.ok(EVENT_TYPES.every((type) => /^[a-z_]+\.[a-z0-9_.]+$/.test(type)));
  });

  it('a currency must be an ISO 4217 code', async () => {
    for (const currency of ['xyz', 'abc']) {
      const purchase = await api.expectNoWrites(() => api.post('/v1/purchases', { ...wallet, amount: '10', price: '5.00', currency }));
      expectError(purchase, { status: 400, code: 'validation_error', param: 'currency', message: /ISO 4217/ });
      const grant = await api.expectNoWrites(() => api.post('/v1/grants', { ...wallet, amount: '10', cost: { amount: '5', currency } }));
      expectError(grant, { status: 400, code: 'validation_error', param: 'cost.currency', message: /ISO 4217/ });
    }
    expectError(await api.post('/v1/purchases', { ...wallet, amount: '10', price: '5.00', currency: 'USD' }), { status: 400, param: 'currency', code: 'validation_error', message: /lower-case ISO 4217/ });
    expectStatus(await api.post('/v1/purchases', { ...wallet, amount: '10', price: '5.00', currency: 'eur' }), 201);
  });

  it('error messages name the allowed values, never a pattern or schema words', async () => {
    const cases: Array<[Promise<Json>, string, string]> = [
      [api.get('/v1/grants?status=bogus'), 'status', "'status' must be one of payment_pending, scheduled, active, expired, voided."],
      [api.get('/v1/grants?includeVoided=yes'), 'includeVoided', "'includeVoided' must be true or false."],
      [api.get('/v1/events?limit=0'), 'limit', "'limit' must be a whole number from 1 to 100."],
      [api.post('/v1/grants', { ...wallet, amount: '1', priority: 200 }), 'priority', "'priority' must be a whole number from 0 to 100."],
      [api.post('/v1/grants', { ...wallet, amount: '1', priority: 'high' }), 'priority', "'priority' must be an integer."],
      [api.post('/v1/grants', { ...wallet, amount: '1', category: 'gift' }), 'category', "'category' must be one of paid, promotional."],
      [api.post('/v1/grants', { ...wallet, amount: '1', expiresAt: 5 }), 'expiresAt', "'expiresAt' must be a string or null."],
      // A nullable value that fails its own check names that check, not just the null it could have been.
      [api.post('/v1/grants', { ...wallet, amount: '1', name: 'n'.repeat(300) }), 'name', "'name' must be a string of at most 200 characters, or null."],
      [api.post('/v1/customers', { name: 'n'.repeat(300) }), 'name', "'name' must be a string of at most 200 characters, or null."],
      [api.post('/v1/grants', { ...wallet, amount: '1', walletKey: 'k'.repeat(300) }), 'walletKey', "'walletKey' must be a string of at most 200 characters, or null."],
      [api.post('/v1/debits', { ...wallet, amount: '1', feature: '' }), 'feature', "'feature' must be a string of 1 to 100 characters, or null."],
      [api.post('/v1/customers', { id: '-bad' }), 'id', "'id' must be up to 100 letters, digits, _ . : or -, starting with a letter or digit: your own ID for the customer (generated, cus_…, when omitted)."],
    ];
    for (const [response, param, message] of cases) {
      const error = expectError(await response, { status: 400, code: 'validation_error', param });
      assert.equal(error.message, message);
      assert.doesNotMatch(error.message, /pattern|constant|\^|\$|NOT have|must be <=|must be >=/);
    }
    const deliveries = expectStatus(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/d', eventTypes: ['*'] }), 201);
    const status = expectError(await api.get(`/v1/webhook-endpoints/${deliveries.id}/deliveries?status=sent`), { status: 400, code: 'validation_error', param: 'status' });
    assert.equal(status.message, "'status' must be one of pending, delivered, failed, canceled.");
  });

  it('a query parameter sent twice is refused as one that must be given once, naming what it may be', async () => {
    const window = 'from=2026-01-01T00:00:00.000Z&to=2026-01-02T00:00:00.000Z';
    const cases: Array<[string, string, string]> = [
      ['/v1/ledger-entries?type=debit&type=grant', 'type', "'type' must be given once: one of grant, debit, hold, release, capture, expiry, void, overdraft, repayment, adjustment."],
      ['/v1/grants?status=active&status=voided', 'status', "'status' must be given once: one of payment_pending, scheduled, active, expired, voided."],
      [`/v1/exports/ledger?${window}&format=csv&format=jsonl`, 'format', "'format' must be given once: one of csv, jsonl."],
      ['/v1/events?limit=1&limit=2', 'limit', "'limit' must be given once: a whole number from 1 to 100."],
      [`/v1/grants?customerId=${wallet.customerId}&customerId=${wallet.customerId}`, 'customerId', "'customerId' must be given once: a string of 1 to 100 characters."],
    ];
    for (const [url, param, message] of cases) {
      const error = expectError(await api.get(url), { status: 400, code: 'validation_error', param });
      assert.equal(error.message, message);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, HOUR, iso, startTestApi, type ApiResponse, type ExpectedError, type Json, type RequestOptions, type TestApi } from '../support/test-api.ts';

/**
 * Bad input, route by route. Every case asserts the documented error shape
 * `{error:{type, code, message, param?, requestId}}`, the status, the parameter
 * it names where there is one, and that no table gained or lost a row.
 */
describe('bad input is rejected with the documented error and writes nothing', () => {
  let api: TestApi;
  /** A scale-2 wallet with 100 available and a 10 hold on it. */
  let wallet: { customerId: string; unit: string };
  /** A scale-10 unit, for precision limits that are not the unit's. */
  let fineUnit: string;
  let grant: Json;
  let hold: Json;

  before(async () => {
    api = await startTestApi();
    wallet = await api.wallet({ scale: 2 });
    fineUnit = (await api.createUnit({ scale: 10 })).code;
    grant = await api.grant({ ...wallet, amount: '100' });
    hold = await api.hold({ ...wallet, amount: '10' });
  });

  after(async () => {
    await api.close();
  });

  /** Sends the request, asserts the error, and asserts that no row was written. */
  async function rejects(request: RequestOptions, expected: ExpectedError): Promise<Json> {
    const response: ApiResponse = await api.expectNoWrites(() => api.request(request));
    return expectError(response, expected);
  }

  const post = (url: string, body: unknown, extra: Partial<RequestOptions> = {}): RequestOptions => ({ method: 'POST', url, body, ...extra });
  const raw = (url: string, payload: string, extra: Partial<RequestOptions> = {}): RequestOptions => ({ method: 'POST', url, payload, ...extra });

  describe('the body as a whole', () => {
    it('malformed JSON is 400 invalid_json', async () => {
      for (const payload of ['{"amount": ', '{"amount": "1",}', "{'amount': '1'}", '{"amount": "1"} trailing', 'amount=1']) {
        await rejects(raw('/v1/grants', payload), { status: 400, code: 'invalid_json', type: 'invalid_request_error', param: null });
      }
    });

    it('an empty body is read as no parameters: 400 naming the first required one', async () => {
      await rejects(raw('/v1/grants', ''), { status: 400, code: 'validation_error', param: 'customerId' });
      await rejects(raw('/v1/debits', '   '), { status: 400, code: 'validation_error', param: 'customerId' });
      await rejects({ method: 'POST', url: '/v1/holds' }, { status: 400, code: 'validation_error', param: 'customerId' });
      await rejects({ method: 'POST', url: '/v1/test-clock/advance' }, { status: 400, code: 'validation_error', param: 'to' });
    });

    it('a body that is not an object is 400', async () => {
      for (const payload of ['[]', 'null', '"grant"', '42']) {
        await rejects(raw('/v1/grants', payload), { status: 400, code: 'validation_error' });
      }
    });

    it('a body that is not JSON by content type is 400', async () => {
      await rejects(raw('/v1/grants', JSON.stringify({ ...wallet, amount: '1' }), { headers: { 'content-type': 'text/plain' } }), {
        status: 400,
        code: 'validation_error',
      });
      await rejects(raw('/v1/grants', `customerId=${wallet.customerId}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), {
        status: 400,
        code: 'validation_error',
      });
    });

    it('bytes that are not UTF-8 are 400, in the body (whatever charset it declares) and in percent escapes of the query', async () => {
      const latin1 = Buffer.concat([Buffer.from('{"id":"badutf8","name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const surrogateBytes = Buffer.concat([Buffer.from('{"id":"badutf8","name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
      for (const [payload, contentType] of [
        [latin1, 'application/json'],
        [latin1, 'application/json; charset=latin1'],
        [surrogateBytes, 'application/json'],
      ] as const) {
        await rejects({ method: 'POST', url: '/v1/customers', payload, headers: { 'content-type': contentType } }, { status: 400, code: 'invalid_json', message: 'UTF-8' });
      }
      for (const query of ['search=%ED%A0%80', 'search=caf%E9', 'search=%C3%A9%FF']) {
        await rejects({ method: 'GET', url: `/v1/customers?${query}` }, { status: 400, code: 'validation_error', param: 'search', message: 'not UTF-8' });
      }
      // The control: the same text sent right is taken.
      const created = expectStatus(await api.request({ method: 'POST', url: '/v1/customers', payload: Buffer.from('{"name":"Café"}') }), 201);
      assert.equal(created.name, 'Café');
      expectStatus(await api.request({ method: 'GET', url: '/v1/customers?search=caf%C3%A9' }), 200);
      expectStatus(await api.request({ method: 'GET', url: '/v1/customers?search=100%25' }), 200);
    });

    it('a body over 1 MiB is 413 payload_too_large', async () => {
      const payload = JSON.stringify({ ...wallet, amount: '1', name: 'x'.repeat(1024 * 1024) });
      await rejects(raw('/v1/grants', payload), { status: 413, code: 'payload_too_large', type: 'invalid_request_error' });
      // Just under the limit the same route answers (with a validation error for the long name, not a 413).
      const under = JSON.stringify({ ...wallet, amount: '1', name: 'x'.repeat(1024 * 1024 - 200) });
      await rejects(raw('/v1/grants', under), { status: 400, code: 'validation_error', param: 'name' });
    });

    it('unknown body fields are 400 naming the field, top level and nested', async () => {
      await rejects(post('/v1/grants', { ...wallet, amount: '1', amout: '1' }), { status: 400, code: 'validation_error', param: 'amout', message: 'amout' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', cost: { amount: '1', currency: 'usd', tax: '0' } }), {
        status: 400,
        code: 'validation_error',
        param: 'cost.tax',
      });
      await rejects(post('/v1/customers', { name: 'x', plan: 'pro' }), { status: 400, code: 'validation_error', param: 'plan' });
      await rejects(post('/v1/debits', { ...wallet, amount: '1', policy: 'partial' }), { status: 400, code: 'validation_error', param: 'policy' });
      await rejects(post(`/v1/holds/${hold.id}/capture`, { amount: '1', force: true }), { status: 400, code: 'validation_error', param: 'force' });
      await rejects(post(`/v1/grants/${grant.id}/void`, { reason: 'fraud' }), { status: 400, code: 'validation_error', param: 'reason' });
      await rejects({ method: 'PATCH', url: `/v1/grants/${grant.id}`, body: { amount: '5' } }, { status: 400, code: 'validation_error', param: 'amount' });
    });

    it('a __proto__ key (prototype poisoning) is 400 naming it, in the body and the query', async () => {
      // JSON.parse makes `__proto__` an own key; it must be refused, never merged into a record or an options object.
      await rejects(raw('/v1/debits', `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":"1","__proto__":{"policy":"overdraft"}}`), {
        status: 400,
        code: 'validation_error',
        param: '__proto__',
      });
      await rejects(raw('/v1/grants', `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":"1","cost":{"amount":"1","currency":"usd","__proto__":{}}}`), {
        status: 400,
        code: 'validation_error',
        param: 'cost.__proto__',
      });
      await rejects({ method: 'GET', url: `/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}&__proto__=x` }, { status: 400, code: 'validation_error', param: '__proto__' });
    });

    it('unknown query parameters are 400 naming them', async () => {
      for (const url of ['/v1/customers?sort=asc', '/v1/grants?order=asc', '/v1/wallets?colour=red', `/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}&when=now`]) {
        const error = await rejects({ method: 'GET', url }, { status: 400, code: 'validation_error' });
        assert.ok(['sort', 'order', 'colour', 'when'].includes(error.param), `param ${error.param}`);
      }
    });
  });

  describe('wrong types', () => {
    it('an amount that is a boolean, an object, an array or null', async () => {
      for (const amount of [true, {}, { value: '1' }, ['1'], null]) {
        await rejects(post('/v1/grants', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
        await rejects(post('/v1/debits', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
      }
    });

    it('a priority sent as a string, a scale as a string, ttlSeconds as a string (no coercion)', async () => {
      await rejects(post('/v1/grants', { ...wallet, amount: '1', priority: '5' }), { status: 400, code: 'validation_error', param: 'priority' });
      await rejects(post('/v1/units', { code: 'string_scale', scale: '2' }), { status: 400, code: 'validation_error', param: 'scale' });
      await rejects(post('/v1/holds', { ...wallet, amount: '1', ttlSeconds: '60' }), { status: 400, code: 'validation_error', param: 'ttlSeconds' });
    });

    it('IDs, keys and lists of the wrong type', async () => {
      await rejects(post('/v1/grants', { ...wallet, customerId: 42, amount: '1' }), { status: 400, code: 'validation_error', param: 'customerId' });
      await rejects(post('/v1/grants', { ...wallet, walletKey: 7, amount: '1' }), { status: 400, code: 'validation_error', param: 'walletKey' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', appliesTo: 'chat' }), { status: 400, code: 'validation_error', param: 'appliesTo' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', appliesTo: ['chat', 3] }), { status: 400, code: 'validation_error', param: 'appliesTo.1' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', metadata: { tier: 1 } }), { status: 400, code: 'validation_error', param: 'metadata.tier' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', metadata: ['a'] }), { status: 400, code: 'validation_error', param: 'metadata' });
      await rejects(post('/v1/debits', { ...wallet, amount: '1', onInsufficient: 'maybe' }), { status: 400, code: 'validation_error', param: 'onInsufficient' });
    });

    it('limit=abc and other bad limits', async () => {
      for (const limit of ['abc', '0', '101', '-1', '1.5', '']) {
        await rejects({ method: 'GET', url: `/v1/grants?limit=${limit}` }, { status: 400, code: 'validation_error', param: 'limit' });
      }
    });
  });

  describe('amounts', () => {
    it('negative and zero amounts', async () => {
      for (const amount of ['-1', '-0.01', '0', '0.00', 0, -5]) {
        await rejects(post('/v1/grants', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
        await rejects(post('/v1/debits', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
        await rejects(post('/v1/holds', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
      }
      await rejects(post(`/v1/holds/${hold.id}/capture`, { amount: '-1' }), { status: 400, code: 'validation_error', param: 'amount' });
    });

    it('more precision than the unit allows (scale 2, "1.001") is rejected, never rounded', async () => {
      for (const amount of ['1.001', '0.005', 1.001]) {
        const error = await rejects(post('/v1/grants', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
        assert.match(error.message, /decimal places/);
        await rejects(post('/v1/debits', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
      }
      await rejects(post(`/v1/holds/${hold.id}/capture`, { amount: '1.001' }), { status: 400, code: 'validation_error', param: 'amount' });
      await rejects(post('/v1/wallets', { ...wallet, overdraftLimit: '1.001' }), { status: 400, code: 'validation_error', param: 'overdraftLimit' });
      // Trailing zeros are not extra precision.
      assert.equal((await api.grant({ ...wallet, amount: '1.1000' })).amount, '1.1');
    });

    it('11 decimal places, even for a unit of scale 10', async () => {
      const error = await rejects(post('/v1/grants', { customerId: wallet.customerId, unit: fineUnit, amount: '0.00000000001' }), {
        status: 400,
        code: 'validation_error',
        param: 'amount',
      });
      assert.match(error.message, /10/);
      assert.equal((await api.grant({ customerId: wallet.customerId, unit: fineUnit, amount: '0.0000000001' })).amount, '0.0000000001');
    });

    it('26 integer digits (25 is the limit)', async () => {
      await rejects(post('/v1/grants', { ...wallet, amount: '1'.repeat(26) }), { status: 400, code: 'validation_error', param: 'amount', message: '25' });
      await rejects(post('/v1/grants', { ...wallet, amount: `${'9'.repeat(26)}.5` }), { status: 400, code: 'validation_error', param: 'amount' });
      const largest = `${'9'.repeat(25)}.99`;
      assert.equal((await api.grant({ ...wallet, walletKey: 'large', amount: largest })).amount, largest);
      // A second grant would take the wallet's balance past 25 digits: refused, and the wallet stays readable.
      await rejects(post('/v1/grants', { ...wallet, walletKey: 'large', amount: '0.01' }), { status: 400, code: 'validation_error', param: 'amount', message: '25 digits' });
      assert.equal(expectStatus(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}&walletKey=large`), 200).available, largest);
    });

    it('strings that are not plain decimals', async () => {
      for (const amount of ['', ' 1', '1 ', '+1', '1.', '.5', '1e', '0x10', 'NaN', 'Infinity', '1,5', '١']) {
        await rejects(post('/v1/grants', { ...wallet, amount }), { status: 400, code: 'validation_error', param: 'amount' });
      }
    });

    it('JSON numbers that cannot be exact ask for a string', async () => {
      const body = (amount: string) => `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":${amount}}`;
      for (const literal of ['12345678901234567890123', '0.1000000000000000000001', '9007199254740993', '1e400']) {
        const error = await rejects(raw('/v1/grants', body(literal)), { status: 400, code: 'validation_error', param: 'amount' });
        assert.match(error.message, /string/, 'the message asks for a string');
        await rejects(raw('/v1/debits', body(literal)), { status: 400, code: 'validation_error', param: 'amount' });
      }
      await rejects(raw('/v1/grants', `{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":"1","cost":{"amount":0.30000000000000000001,"currency":"usd"}}`), {
        status: 400,
        code: 'validation_error',
        param: 'cost.amount',
      });
      await rejects(raw('/v1/debits/batch', `{"debits":[{"customerId":"${wallet.customerId}","unit":"${wallet.unit}","amount":12345678901234567890123}]}`), {
        status: 400,
        code: 'validation_error',
        param: 'debits.0.amount',
      });
    });

    it('JSON numbers that are exact are read as written (the control for the above)', async () => {
      assert.equal((await api.grant({ ...wallet, walletKey: 'numbers', amount: 0.1 })).amount, '0.1');
      const fine = await api.request(raw('/v1/grants', `{"customerId":"${wallet.customerId}","unit":"${fineUnit}","amount":1234567.0000000001}`));
      expectError(fine, { status: 400, code: 'validation_error', param: 'amount' });
      const exact = await api.request(raw('/v1/grants', `{"customerId":"${wallet.customerId}","unit":"${fineUnit}","amount":2.5e3}`));
      assert.equal(expectStatus(exact, 201).amount, '2500');
    });
  });

  describe('timestamps', () => {
    it('impossible dates and times are 400 naming the field', async () => {
      const impossible = [
        '2026-02-30T00:00:00Z',
        '2027-02-29T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-00-10T00:00:00Z',
        '2026-06-31T00:00:00Z',
        '2030-01-01T25:00:00Z',
        '2030-01-01T24:00:00Z',
        '2030-01-01T23:60:00Z',
        '2030-01-01T23:59:60Z',
        '2030-01-01T00:00:00+24:00',
      ];
      for (const value of impossible) {
        await rejects(post('/v1/grants', { ...wallet, amount: '1', effectiveAt: value }), { status: 400, code: 'validation_error', param: 'effectiveAt' });
        await rejects(post('/v1/grants', { ...wallet, amount: '1', expiresAt: value }), { status: 400, code: 'validation_error', param: 'expiresAt' });
      }
    });

    it('times outside years 0000–9999 (an offset past the end, a test clock, a period of more than 100 years)', async () => {
      for (const value of ['9999-12-31T23:59:59.999-23:59', '9999-12-31T23:30:00-01:00']) {
        await rejects(post('/v1/grants', { ...wallet, amount: '1', expiresAt: value }), { status: 400, code: 'validation_error', param: 'expiresAt', message: '9999-12-31' });
        await rejects(post('/v1/test-clock/advance', { to: value }), { status: 400, code: 'validation_error', param: 'to' });
      }
      await rejects(post('/v1/wallets', { ...wallet, walletKey: 'periods', usagePeriod: { period: 'P9999Y', anchor: iso(Date.now()) } }), {
        status: 400,
        code: 'validation_error',
        message: '100 years',
      });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', recurrencePeriod: 'P101Y' }), { status: 400, code: 'validation_error', param: 'recurrencePeriod' });
    });

    it('timestamps without a timezone, date-only, or beyond milliseconds', async () => {
      for (const value of ['2030-01-01T00:00:00', '2030-01-01', '2030-01-01 00:00:00Z', '2030-01-01T00:00:00.0001Z', '1893456000', 'next tuesday']) {
        await rejects(post('/v1/grants', { ...wallet, amount: '1', expiresAt: value }), { status: 400, code: 'validation_error', param: 'expiresAt' });
        await rejects(post('/v1/holds', { ...wallet, amount: '1', expiresAt: value }), { status: 400, code: 'validation_error', param: 'expiresAt' });
        await rejects(post('/v1/debits', { ...wallet, amount: '1', occurredAt: value }), { status: 400, code: 'validation_error', param: 'occurredAt' });
        await rejects({ method: 'PATCH', url: `/v1/grants/${grant.id}`, body: { expiresAt: value } }, { status: 400, code: 'validation_error', param: 'expiresAt' });
      }
      await rejects(post('/v1/grants', { ...wallet, amount: '1', expiresAt: Date.now() + DAY }), { status: 400, code: 'validation_error', param: 'expiresAt' });
    });

    it('expiresAt before (or at) effectiveAt', async () => {
      const now = await api.now();
      await rejects(post('/v1/grants', { ...wallet, amount: '1', effectiveAt: iso(now + 2 * DAY), expiresAt: iso(now + DAY) }), {
        status: 400,
        code: 'validation_error',
        param: 'expiresAt',
      });
      await rejects(post('/v1/grants', { ...wallet, amount: '1', effectiveAt: iso(now + DAY), expiresAt: iso(now + DAY) }), {
        status: 400,
        code: 'validation_error',
        param: 'expiresAt',
      });
    });
  });

  describe('unknown and foreign IDs', () => {
    it('an unknown customer or unit in a body is 404 naming it', async () => {
      for (const url of ['/v1/grants', '/v1/debits', '/v1/holds', '/v1/wallets']) {
        const amount = url === '/v1/wallets' ? {} : { amount: '1' };
        await rejects(post(url, { ...wallet, customerId: 'cus_00000000000000000000000000', ...amount }), { status: 404, code: 'not_found', param: 'customerId' });
        await rejects(post(url, { ...wallet, unit: 'no_such_unit', ...amount }), { status: 404, code: 'not_found', param: 'unit' });
      }
      await rejects({ method: 'GET', url: `/v1/balances?customerId=cus_00000000000000000000000000&unit=${wallet.unit}` }, { status: 404, code: 'not_found', param: 'customerId' });
    });

    it('an unknown grant or hold in the path is 404 naming the ID', async () => {
      const missingGrant = 'grt_00000000000000000000000000';
      const missingHold = 'hld_00000000000000000000000000';
      const requests: RequestOptions[] = [
        { method: 'GET', url: `/v1/grants/${missingGrant}` },
        { method: 'PATCH', url: `/v1/grants/${missingGrant}`, body: { name: 'x' } },
        post(`/v1/grants/${missingGrant}/void`, {}),
        post(`/v1/grants/${missingGrant}/expire`, {}),
      ];
      for (const request of requests) await rejects(request, { status: 404, code: 'not_found', message: missingGrant });
      for (const request of [{ method: 'GET', url: `/v1/holds/${missingHold}` } as RequestOptions, post(`/v1/holds/${missingHold}/capture`, {}), post(`/v1/holds/${missingHold}/release`, {})]) {
        await rejects(request, { status: 404, code: 'not_found', message: missingHold });
      }
      await rejects({ method: 'GET', url: '/v1/customers/cus_00000000000000000000000000' }, { status: 404, code: 'not_found' });
    });

    it("another environment's IDs are 404 (created with the test key, used with the live key)", async () => {
      const key = api.liveKey;
      await rejects({ method: 'GET', url: `/v1/grants/${grant.id}`, key }, { status: 404, code: 'not_found' });
      await rejects(post(`/v1/grants/${grant.id}/void`, {}, { key }), { status: 404, code: 'not_found' });
      await rejects(post(`/v1/holds/${hold.id}/capture`, {}, { key }), { status: 404, code: 'not_found' });
      await rejects({ method: 'GET', url: `/v1/customers/${wallet.customerId}`, key }, { status: 404, code: 'not_found' });
      await rejects(post('/v1/grants', { ...wallet, amount: '1' }, { key }), { status: 404, code: 'not_found', param: 'unit' });
      assert.equal(expectStatus(await api.get(`/v1/grants/${grant.id}`), 200).voidedAt, null);
    });

    it('an ID too long for any object is 400 naming it', async () => {
      await rejects({ method: 'GET', url: `/v1/grants/grt_${'x'.repeat(120)}` }, { status: 400, code: 'validation_error', param: 'id' });
      await rejects(post(`/v1/holds/hld_${'x'.repeat(120)}/release`, {}), { status: 400, code: 'validation_error', param: 'id' });
      await rejects(post('/v1/grants', { ...wallet, customerId: 'c'.repeat(101), amount: '1' }), { status: 400, code: 'validation_error', param: 'customerId' });
    });

    it('a malformed percent-encoding in the path is 400 in the documented shape', async () => {
      await rejects({ method: 'GET', url: '/v1/grants/%E0%A4%A' }, { status: 400, code: 'validation_error' });
    });
  });

  describe('idempotency', () => {
    it('a replayed key with the same request returns the same response, marked, and writes nothing', async () => {
      const body = { ...wallet, walletKey: 'replays', amount: '3' };
      const first = await api.post('/v1/grants', body, { idempotencyKey: 'same-request' });
      assert.equal(first.status, 201);
      for (const replayAs of [{ idempotencyKey: 'same-request' }, { body: { ...body, idempotencyKey: 'same-request' } }]) {
        const replay = await api.expectNoWrites(() =>
          api.request({ method: 'POST', url: '/v1/grants', body, ...replayAs }),
        );
        assert.equal(replay.status, 201);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.body, first.body);
      }
      const customer = await api.post('/v1/customers', { name: 'Once' }, { idempotencyKey: 'customer-once' });
      const replayed = await api.expectNoWrites(() => api.post('/v1/customers', { name: 'Once' }, { idempotencyKey: 'customer-once' }));
      assert.equal(replayed.headers['idempotent-replayed'], 'true');
      assert.equal(replayed.text, customer.text, 'byte for byte');
    });

    it('the same key with a different request is 409 idempotency_conflict and writes nothing', async () => {
      const body = { ...wallet, walletKey: 'conflicts', amount: '3' };
      expectStatus(await api.post('/v1/grants', body, { idempotencyKey: 'reused' }), 201);
      await rejects(post('/v1/grants', { ...body, amount: '4' }, { idempotencyKey: 'reused' }), {
        status: 409,
        code: 'idempotency_conflict',
        type: 'idempotency_error',
        param: 'idempotencyKey',
      });
      expectStatus(await api.post('/v1/debits', { ...wallet, amount: '1' }, { idempotencyKey: 'debit-reused' }), 201);
      await rejects(post('/v1/debits', { ...wallet, amount: '2' }, { idempotencyKey: 'debit-reused' }), { status: 409, code: 'idempotency_conflict' });
      await rejects(post('/v1/customers', { name: 'Other' }, { idempotencyKey: 'debit-reused' }), { status: 409, code: 'idempotency_conflict' });
    });

    it('a header key and a body idempotencyKey that differ are 400', async () => {
      await rejects(post('/v1/grants', { ...wallet, amount: '1', idempotencyKey: 'in-body' }, { idempotencyKey: 'in-header' }), {
        status: 400,
        code: 'validation_error',
        param: 'idempotencyKey',
      });
      await rejects(post('/v1/customers', { idempotencyKey: 'in-body' }, { idempotencyKey: 'in-header' }), { status: 400, code: 'validation_error', param: 'idempotencyKey' });
      await rejects(post(`/v1/holds/${hold.id}/release`, { idempotencyKey: 'a' }, { idempotencyKey: 'b' }), { status: 400, code: 'validation_error', param: 'idempotencyKey' });
    });

    it('an empty or over-long idempotency key is 400', async () => {
      await rejects(post('/v1/debits', { ...wallet, amount: '1' }, { idempotencyKey: '' }), { status: 400, code: 'validation_error', param: 'idempotencyKey' });
      await rejects(post('/v1/debits', { ...wallet, amount: '1' }, { idempotencyKey: 'k'.repeat(256) }), { status: 400, code: 'validation_error', param: 'idempotencyKey' });
      await rejects(post('/v1/debits', { ...wallet, amount: '1', idempotencyKey: '' }), { status: 400, code: 'validation_error', param: 'idempotencyKey' });
    });
  });

  describe('state', () => {
    it('insufficient balance is 402 with details.available', async () => {
      const error = await rejects(post('/v1/debits', { ...wallet, amount: '1000' }), { status: 402, code: 'insufficient_balance', type: 'balance_error' });
      const available = (await api.balance(wallet)).available;
      assert.equal(error.details.available, available);
      assert.equal(error.details.requested, '1000');
      await rejects(post('/v1/holds', { ...wallet, amount: '1000' }), { status: 402, code: 'insufficient_balance' });
    });

    it('capturing a released hold is 409 state_conflict', async () => {
      const released = await api.hold({ ...wallet, amount: '1' });
      expectStatus(await api.post(`/v1/holds/${released.id}/release`, {}), 200);
      await rejects(post(`/v1/holds/${released.id}/capture`, {}), { status: 409, code: 'state_conflict', type: 'invalid_request_error' });
      await rejects(post(`/v1/holds/${released.id}/capture`, { amount: '0.5' }), { status: 409, code: 'state_conflict' });
    });

    it('moving the test clock backwards is 400', async () => {
      const now = await api.now();
      await rejects(post('/v1/test-clock/advance', { to: iso(now - HOUR) }), { status: 400, code: 'validation_error', param: 'to' });
      assert.equal(await api.now(), now);
    });
  });
});

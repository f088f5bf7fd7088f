import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, HOUR, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Customer portal sessions over HTTP: a token for customer A reads A's credits
 * and nothing else. Every route of the OpenAPI document is tried with it: those
 * a portal may call answer 404 for customer B, all others 403.
 */
describe('portal sessions', () => {
  let api: TestApi;
  let a: { customerId: string; unit: string };
  let b: { customerId: string; unit: string };
  let token = '';

  const session = async (body: Record<string, unknown>) => expectStatus(await api.post('/v1/portal-sessions', body), 201);

  before(async () => {
    api = await startTestApi();
    a = await api.wallet();
    b = { customerId: (await api.createCustomer({ name: 'Other Co' })).id, unit: a.unit };
    await api.grant({ ...a, amount: '40' });
    await api.grant({ ...b, amount: '70' });
    await api.debit({ ...b, amount: '1', feature: 'secret' });
    const created = await session({ customerId: a.customerId, returnUrl: 'https://shop.example/account', packs: [{ unit: a.unit, amount: '500', price: '5.00', name: 'Starter' }] });
    assert.match(created.url, /\/portal#cb_portal_[0-9A-Za-z]{40}$/);
    assert.equal(created.customerId, a.customerId);
    assert.deepEqual(created.packs, [{ unit: a.unit, amount: '500', price: '5.00', currency: 'usd', name: 'Starter' }], 'the default currency is filled in');
    token = created.url.split('#')[1];
  });

  after(async () => {
    await api.close();
  });

  it("reads its own customer's balance, history, grants, ledger and session; customerId defaults to its customer", async () => {
    const balance = expectStatus(await api.get(`/v1/balances?unit=${a.unit}`, { key: token }), 200);
    assert.deepEqual([balance.customerId, balance.available], [a.customerId, '40']);
    const grants = expectStatus(await api.get('/v1/grants', { key: token }), 200);
    assert.deepEqual(grants.data.map((grant: Json) => grant.customerId), [a.customerId]);
    const entries = expectStatus(await api.get('/v1/ledger-entries', { key: token }), 200);
    assert.ok(entries.data.length > 0 && entries.data.every((entry: Json) => entry.customerId === a.customerId));
    const debits = expectStatus(await api.get('/v1/debits', { key: token }), 200);
    assert.deepEqual(debits.data, [], "B's debit is not A's");
    const self = expectStatus(await api.get('/v1/portal-session', { key: token }), 200);
    assert.deepEqual([self.customer.id, self.livemode, self.returnUrl, self.packs.length], [a.customerId, false, 'https://shop.example/account', 1]);
    expectStatus(await api.get(`/v1/balances/history?unit=${a.unit}`, { key: token }), 200);
    expectStatus(await api.get(`/v1/balances/runway?unit=${a.unit}`, { key: token }), 200);
  });

  it('answers 404 or 403 on every route for anything but its own customer', async () => {
    const document = expectStatus(await api.get('/openapi.json', { key: null }), 200);
    let tried = 0;
    for (const [path, item] of Object.entries(document.paths) as Array<[string, Json]>) {
      for (const method of ['get', 'post', 'patch', 'delete', 'put'].filter((name) => item[name])) {
        const url = path.replace(/\{\w+\}/g, 'x_1');
        // B's unit only where the route takes one: an unknown parameter is a 400 before any customer is looked at.
        const takesUnit = (item[method].parameters ?? []).some((parameter: Json) => parameter.in === 'query' && parameter.name === 'unit');
        const query = `customerId=${b.customerId}${takesUnit ? `&unit=${b.unit}` : ''}`;
        const target = `${url}${url.includes('?') ? '&' : '?'}${query}`;
        const body = { customerId: b.customerId, unit: b.unit, amount: '1', pack: 0, url: 'https://x.example', price: '1.00' };
        const response = await api.request({ method: method.toUpperCase() as 'GET', url: target, ...(method === 'get' || method === 'delete' ? {} : { body }), key: token });
        // The session's own routes name no customer: they answer for the session, never for B.
        const ownRoute = ['get /v1/units', 'get /v1/portal-session', 'post /v1/portal-session/purchases'].includes(`${method} ${path}`);
        if (ownRoute) assert.ok(!response.text.includes(b.customerId), `${method} ${path} names B`);
        else assert.ok([403, 404].includes(response.status), `${method.toUpperCase()} ${target} answered ${response.status}: ${response.text}`);
        assert.ok(!response.text.includes('"70"') && !response.text.includes('secret'), `${method} ${path} leaks B`);
        tried += 1;
      }
    }
    assert.ok(tried > 40, `tried ${tried} routes`);
    expectError(await api.get(`/v1/grants?customerId=${b.customerId}`, { key: token }), { status: 404, code: 'not_found', param: 'customerId' });
    expectError(await api.post('/v1/grants', { ...a, amount: '5' }, { key: token }), { status: 403, code: 'forbidden' });
    expectError(await api.post('/v1/portal-sessions', { customerId: b.customerId }, { key: token }), { status: 403, code: 'forbidden' });
    assert.equal((await api.balance(a)).available, '40', 'nothing was granted');
  });

  it('refuses a bad query with the 400 an API key gets, naming the parameter, on every route a portal may call', async () => {
    // The session's customer is pinned only once the query has passed the checks every request passes:
    // a query that names its own customer badly is a 400, never a 404 for a customer that is not its own.
    const own = a.customerId;
    const badQueries: Array<[string, string]> = [
      [`customerId=${own}%00`, 'customerId'],
      [`customerId=${own}&unit=${a.unit}%00`, 'unit'],
      [`customerId=${own}&customerId=${own}`, 'customerId'],
      ['customerId=', 'customerId'],
      [`customerId=${'c'.repeat(101)}`, 'customerId'],
      [`customerId=${own}%ED%A0%80`, 'query'],
      [`customerId=${own}%FF`, 'query'],
    ];
    const routes = ['/v1/balances', '/v1/balances/history', '/v1/balances/runway', '/v1/wallets', '/v1/grants', '/v1/ledger-entries', '/v1/debits', '/v1/purchases', '/v1/invoices'];
    for (const route of routes) {
      // The balance routes need a unit: given, so that the bad parameter is the only fault.
      const unit = route.startsWith('/v1/balances') ? `&unit=${a.unit}` : '';
      for (const [query, param] of badQueries) {
        const url = `${route}?${query}${query.includes('unit=') ? '' : unit}`;
        const withKey = expectError(await api.get(url), { status: 400, code: 'validation_error' });
        const withToken = expectError(await api.expectNoWrites(() => api.get(url, { key: token })), { status: 400, code: 'validation_error' });
        assert.deepEqual([withToken.param, withToken.message], [withKey.param, withKey.message], `GET ${url} with a portal token`);
        if (param !== 'query') assert.equal(withToken.param, param, `GET ${url} names ${param}`);
      }
      // Without a customerId (the portal fills in its own), a bad parameter is still a 400 naming it.
      expectError(await api.get(`${route}?unit=${a.unit}%00`, { key: token }), { status: 400, code: 'validation_error', param: 'unit' });
    }
    for (const route of ['/v1/units', '/v1/portal-session']) {
      expectError(await api.get(`${route}?customerId=${own}%00`, { key: token }), { status: 400, code: 'validation_error', param: 'customerId' });
    }
    // Well-formed, its own customer still reads; another customer's is still a 404.
    expectStatus(await api.get(`/v1/grants?customerId=${own}`, { key: token }), 200);
    expectError(await api.get(`/v1/grants?customerId=${b.customerId}`, { key: token }), { status: 404, code: 'not_found', param: 'customerId' });
  });

  it('starts the purchase of an offered pack for its own customer only', async () => {
    const purchase = expectStatus(await api.post('/v1/portal-session/purchases', { pack: 0 }, { key: token, idempotencyKey: 'portal-buy-1' }), 201);
    assert.deepEqual([purchase.customerId, purchase.unit, purchase.amount, purchase.status], [a.customerId, a.unit, '500', 'open']);
    assert.match(purchase.successUrl, /\/portal\?purchase=paid$/);
    const replay = await api.post('/v1/portal-session/purchases', { pack: 0 }, { key: token, idempotencyKey: 'portal-buy-1' });
    assert.deepEqual([replay.status, replay.body.id], [201, purchase.id]);
    expectError(await api.post('/v1/portal-session/purchases', { pack: 3 }, { key: token }), { status: 400, code: 'validation_error', param: 'pack' });
    expectError(await api.post('/v1/portal-session/purchases', { pack: 0, customerId: b.customerId }, { key: token }), { status: 400, code: 'validation_error', param: 'customerId' });
    expectError(await api.post('/v1/portal-session/purchases', { pack: 0 }), { status: 403, code: 'forbidden' });
  });

  it('refuses bad input to POST /v1/portal-sessions and writes nothing', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ customerId: a.customerId, expiresIn: 10 }, 400, 'expiresIn'],
      [{ customerId: a.customerId, expiresIn: '3600' }, 400, 'expiresIn'],
      [{ customerId: a.customerId, returnUrl: 'javascript:alert(1)' }, 400, 'returnUrl'],
      [{ customerId: 'nobody' }, 404, 'customerId'],
      [{ customerId: a.customerId, packs: [{ unit: 'nope', amount: '1', price: '1.00' }] }, 404, 'packs.0.unit'],
      [{ customerId: a.customerId, packs: [{ unit: a.unit, amount: '0.001', price: '1.00' }] }, 400, 'packs.0.amount'],
      [{ customerId: a.customerId, packs: [{ unit: a.unit, amount: '1', price: 'free' }] }, 400, 'packs.0.price'],
      // The pack's own field is named, whichever pack it is, in the pack's currency.
      [{ customerId: a.customerId, packs: [{ unit: a.unit, amount: '1', price: '5.00' }, { unit: a.unit, amount: '1', price: '5.00', currency: 'xyz' }] }, 400, 'packs.1.currency'],
      [{ customerId: a.customerId, packs: [{ unit: a.unit, amount: '1', price: '0.5', currency: 'jpy' }] }, 400, 'packs.0.price'],
      [{ customerId: a.customerId, colour: 'red' }, 400, 'colour'],
    ];
    for (const [body, status, param] of cases) {
      const response = await api.expectNoWrites(() => api.post('/v1/portal-sessions', body));
      expectError(response, { status, code: status === 404 ? 'not_found' : 'validation_error', param });
    }
    expectError(await api.expectNoWrites(() => api.post('/v1/portal-sessions', { customerId: a.customerId }, { key: api.liveKey })), { status: 404, code: 'not_found' });
  });

  it("refuses a pack the customer could not buy with the purchase's own words, naming the pack's field", async () => {
    const pack = (fields: Record<string, unknown>) => api.expectNoWrites(() => api.post('/v1/portal-sessions', { customerId: a.customerId, packs: [{ unit: a.unit, amount: '1', price: '5.00', ...fields }] }));
    expectError(await pack({ price: '0.10' }), { status: 400, code: 'validation_error', param: 'packs.0.price', message: /^'packs\.0\.price' must be at least 0\.50\.$/ });
    expectError(await pack({ price: '5.001' }), { status: 400, code: 'validation_error', param: 'packs.0.price', message: /more decimal places than USD allows/ });
    expectError(await pack({ currency: 'xyz' }), { status: 400, code: 'validation_error', param: 'packs.0.currency', message: /^'packs\.0\.currency' must be a lower-case ISO 4217/ });
    // What the session accepts, the customer can buy.
    const offered = await session({ customerId: a.customerId, packs: [{ unit: a.unit, amount: '10', price: '1000', currency: 'jpy' }, { unit: a.unit, amount: '10', price: '0.5' }] });
    const key = offered.url.split('#')[1];
    for (const index of [0, 1]) expectStatus(await api.post('/v1/portal-session/purchases', { pack: index }, { key }), 201);
  });

  it('refuses an expired session and an unknown token', async () => {
    const short = await session({ customerId: a.customerId, expiresIn: 60 });
    const shortToken = short.url.split('#')[1];
    expectStatus(await api.get(`/v1/balances?unit=${a.unit}`, { key: shortToken }), 200);
    await api.advanceClock((await api.now()) + HOUR);
    expectError(await api.get(`/v1/balances?unit=${a.unit}`, { key: shortToken }), { status: 401, code: 'unauthenticated' });
    expectError(await api.get(`/v1/balances?unit=${a.unit}`, { key: 'cb_portal_forged' }), { status: 401, code: 'unauthenticated' });
  });
});

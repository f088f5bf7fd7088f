import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectShape, expectStiggError, nativeOk, startStiggServer, type StiggServer } from './stigg-harness.ts';
import { AutoRechargeResponse, CustomCurrencyResponse, GrantListResponse, GrantResponse, StiggErrorResponse } from './stigg-response-schemas.ts';

describe('stigg dialect: custom currencies and auto-recharge', () => {
  let server: StiggServer;

  before(async () => {
    server = await startStiggServer();
  });

  after(async () => server?.close());

  it('creates a custom currency as a unit (201), and answers a repeated create with the same currency (200)', async () => {
    const body = { id: 'ai_credits', displayName: 'AI credits', description: 'Credits for AI features', symbol: '¢', units: { singular: 'credit', plural: 'credits' }, metadata: { team: 'ml' } };
    const created = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body });
    assert.equal(created.status, 201, created.text);
    const currency = expectShape(CustomCurrencyResponse, created.body).data;
    assert.equal(currency.id, 'ai_credits');
    assert.equal(currency.displayName, 'AI credits');
    assert.equal(currency.archivedAt, null);
    // Description, symbol, units and metadata are kept on the unit and returned.
    assert.deepEqual(
      [currency.description, currency.symbol, currency.units, currency.metadata],
      ['Credits for AI features', '¢', { singular: 'credit', plural: 'credits' }, { team: 'ml' }],
    );
    const unit = (await nativeOk(server, 'GET', '/v1/units')).data.find((candidate: { code: string }) => candidate.code === 'ai_credits');
    assert.deepEqual([unit.name, unit.scale], ['AI credits', 10]);

    const again = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/custom-currencies', { body }));
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, created.body);
    // A repeated create with other fields returns the currency as it is: nothing is updated.
    const changed = await server.expectNoWrites(() =>
      server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'ai_credits', displayName: 'Renamed', symbol: '$', metadata: { team: 'other' } } }),
    );
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body, created.body);
  });

  it('returns a currency created without the optional fields, or made natively, with them empty', async () => {
    const bare = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'bare_credits', displayName: 'Bare' } });
    assert.equal(bare.status, 201, bare.text);
    const currency = expectShape(CustomCurrencyResponse, bare.body).data;
    assert.deepEqual([currency.description, currency.symbol, currency.units, currency.metadata], [null, null, null, {}]);
    await nativeOk(server, 'POST', '/v1/units', { code: 'native_credits', scale: 2, name: 'Native' });
    const native = expectShape(CustomCurrencyResponse, (await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'native_credits', displayName: 'Native' } })).body).data;
    assert.deepEqual([native.description, native.symbol, native.units, native.metadata], [null, null, null, {}]);
  });

  it('refuses custom-currency fields of the wrong type or size, and metadata outside the metadata rules, writing nothing', async () => {
    const base = { id: 'checked_credits', displayName: 'Checked' };
    const tooManyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v']));
    for (const extra of [
      { description: 42 },
      { description: 'd'.repeat(1001) },
      { symbol: '' },
      { symbol: 's'.repeat(21) },
      { symbol: ['¢'] },
      { units: 'credits' },
      { units: { singular: '', plural: 'credits' } },
      { units: { singular: 'credit', plural: 'p'.repeat(101) } },
      { units: { singular: 'credit', plural: 'credits', dual: 'credit pair' } },
      { metadata: 'team=ml' },
      { metadata: { team: 7 } },
      { metadata: { team: { nested: 'no' } } },
      { metadata: { team: 'v'.repeat(501) } },
      { metadata: { ['k'.repeat(41)]: 'v' } },
      { metadata: tooManyKeys },
    ]) {
      const response = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { ...base, ...extra } }));
      expectShape(StiggErrorResponse, response.body);
      expectStiggError(response, 400, 'BadUserInput');
    }
    const accepted = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { ...base, metadata: { ['k'.repeat(40)]: 'v'.repeat(500) } } });
    assert.equal(accepted.status, 201, accepted.text);
  });

  it('takes a unit made natively, whatever its scale, as the currency', async () => {
    await nativeOk(server, 'POST', '/v1/units', { code: 'usd_cents', scale: 0, name: 'Cents' });
    const response = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'usd_cents', displayName: 'Other name' } });
    assert.equal(response.status, 200);
    assert.equal(expectShape(CustomCurrencyResponse, response.body).data.displayName, 'Cents');
    // Its scale still applies to Stigg amounts.
    const grant = await server.stigg('POST', '/api/v1/credits/grants', {
      body: { displayName: 'x', amount: 1.5, grantType: 'PAID', customerId: 'cents-customer', currencyId: 'usd_cents' },
    });
    expectStiggError(grant, 400, 'BadUserInput', /decimal places/);
  });

  it("takes currency IDs in Stigg's own pattern: upper case, -, . and | (the seed's example is 'currencyId')", async () => {
    for (const id of ['currencyId', 'has-dash', 'v1.credits', 'team|tokens', '9lives']) {
      const created = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id, displayName: id } });
      assert.equal(created.status, 201, created.text);
      assert.equal(expectShape(CustomCurrencyResponse, created.body).data.id, id);
      const grant = await server.stigg('POST', '/api/v1/credits/grants', { body: { displayName: 'x', amount: 5, grantType: 'PROMOTIONAL', customerId: 'pattern-customer', currencyId: id } });
      assert.equal(grant.status, 201, grant.text);
      assert.equal(grant.body.data.currencyId, id);
    }
  });

  it('rejects currency IDs outside the pattern, and bad bodies, writing nothing', async () => {
    for (const body of [
      { id: '-leading-dash', displayName: 'Dash' },
      { id: 'has space', displayName: 'Space' },
      { id: 'x'.repeat(65), displayName: 'Too long for a unit' },
      { id: 'fine' },
      { id: 'fine', displayName: 'Fine', units: { singular: 'x' } },
      { id: 'fine', displayName: 'Fine', colour: 'red' },
    ]) {
      const response = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/custom-currencies', { body }));
      expectShape(StiggErrorResponse, response.body);
      expectStiggError(response, 400, 'BadUserInput');
    }
  });

  it("answers auto-recharge with Stigg's disabled default for a customer and currency that exist", async () => {
    await nativeOk(server, 'POST', '/v1/units', { code: 'recharge_units', scale: 2 });
    await nativeOk(server, 'POST', '/v1/customers', { id: 'recharge-customer' });
    const response = await server.stigg('GET', '/api/v1/credits/auto-recharge', { query: { customerId: 'recharge-customer', currencyId: 'recharge_units' } });
    assert.equal(response.status, 200, response.text);
    const config = expectShape(AutoRechargeResponse, response.body).data;
    assert.deepEqual(config, {
      id: null,
      createdAt: null,
      updatedAt: null,
      currencyId: 'recharge_units',
      customerId: 'recharge-customer',
      grantExpirationPeriod: '1_MONTH',
      isEnabled: false,
      maxSpendLimit: null,
      targetBalance: 0,
      thresholdType: 'CREDIT_AMOUNT',
      thresholdValue: 0,
    });
    expectStiggError(await server.stigg('GET', '/api/v1/credits/auto-recharge', { query: { customerId: 'nobody', currencyId: 'recharge_units' } }), 404, 'NotFound');
    expectStiggError(await server.stigg('GET', '/api/v1/credits/auto-recharge', { query: { customerId: 'recharge-customer', currencyId: 'nope' } }), 404, 'NotFound');
    expectStiggError(await server.stigg('GET', '/api/v1/credits/auto-recharge', { query: { customerId: 'recharge-customer' } }), 400, 'BadUserInput', /currencyId/);
    const live = await server.stigg('GET', '/api/v1/credits/auto-recharge', { query: { customerId: 'recharge-customer', currencyId: 'recharge_units' }, key: server.liveKey() });
    expectStiggError(live, 404, 'NotFound');
  });

  it('answers unknown routes in Stigg shape', async () => {
    expectStiggError(await server.stigg('GET', '/api/v1/credits/nothing-here'), 404, 'NotFound');
  });
});

describe('stigg dialect on its own port', () => {
  let server: StiggServer;

  before(async () => {
    server = await startStiggServer({ ownPort: true });
  });

  after(async () => server?.close());

  it('serves the same API at the root of --stigg-port, and is not mounted on the main port', async () => {
    assert.notEqual(new URL(server.stiggUrl).port, new URL(server.served.baseUrl).port);
    assert.equal((await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'credits', displayName: 'Credits' } })).status, 201);
    const created = await server.stigg('POST', '/api/v1/credits/grants', {
      body: { displayName: 'Welcome', amount: 25, grantType: 'PROMOTIONAL', customerId: 'port-customer', currencyId: 'credits' },
    });
    assert.equal(created.status, 201, created.text);
    const grant = expectShape(GrantResponse, created.body).data;
    const listed = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId: 'port-customer' } })).body);
    assert.deepEqual(listed.data.map((item: { id: string }) => item.id), [grant.id]);
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${grant.id}`)).amount, '25');

    // A malformed URL is refused by the router before any route runs: still in Stigg's shape.
    expectStiggError(await server.stigg('POST', '/api/v1/credits/grants/%zz/void'), 400, 'BadUserInput', /URL/);

    const notMounted = await fetch(`${server.served.baseUrl}/compat/stigg/api/v1/credits/grants?customerId=port-customer`, { headers: { 'x-api-key': server.testKey } });
    assert.equal(notMounted.status, 404);
    assert.ok('error' in ((await notMounted.json()) as object), 'the main port answers in the native error shape');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fingerprintOf } from '../../../src/app/idempotency.ts';
import { expectShape, expectStiggError, isoIn, nativeOk, sleep, startStiggServer, storeEarlierFingerprint, type Json, type StiggServer } from './stigg-harness.ts';
import { ConsumptionResponse, GrantListResponse, GrantResponse, LedgerResponse } from './stigg-response-schemas.ts';

/**
 * Stigg consumption (with its idempotency key) and the credit ledger, and "one
 * engine": what Stigg writes the native API sees, and what the native API writes
 * Stigg sees.
 */
describe('stigg dialect: consumption and the credit ledger', () => {
  let server: StiggServer;
  let counter = 0;
  const newCustomer = () => `ledger-customer-${++counter}`;

  const grant = async (customerId: string, amount: number, extra: Record<string, unknown> = {}): Promise<Json> => {
    const response = await server.stigg('POST', '/api/v1/credits/grants', {
      body: { displayName: 'Credits', amount, grantType: 'PAID', customerId, currencyId: 'tokens', ...extra },
    });
    assert.equal(response.status, 201, response.text);
    return expectShape(GrantResponse, response.body).data;
  };

  const consume = (body: Record<string, unknown>) => server.stigg('POST', '/api/v1/credits/consumption', { body: { currencyId: 'tokens', ...body } });

  const ledger = async (query: Record<string, string | number>): Promise<Json> => {
    const response = await server.stigg('GET', '/api/v1/credits/ledger', { query });
    assert.equal(response.status, 200, response.text);
    return expectShape(LedgerResponse, response.body);
  };

  const nativeBalance = async (customerId: string) => (await nativeOk(server, 'GET', `/v1/balances?customerId=${customerId}&unit=tokens`)).available;

  before(async () => {
    server = await startStiggServer();
    assert.equal((await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'tokens', displayName: 'Tokens' } })).status, 201);
  });

  after(async () => server?.close());

  it('consumes credits (the client body exactly) and answers {data} with the consumption', async () => {
    const customerId = newCustomer();
    const created = await grant(customerId, 1000);
    const occurred = isoIn(-60_000);
    const response = await consume({ customerId, amount: 250, idempotencyKey: `consume-${customerId}`, createdAt: occurred, dimensions: { model: 'gpt', tokens: 12, cached: true } });
    assert.equal(response.status, 200, response.text);
    const data = expectShape(ConsumptionResponse, response.body).data;
    assert.deepEqual(data, { amount: 250, currencyId: 'tokens', customerId, timestamp: occurred, credit: null, resourceId: null });
    assert.equal(await nativeBalance(customerId), '750');
    const listed = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId } })).body);
    assert.equal(listed.data[0].id, created.id);
    assert.equal(listed.data[0].consumedAmount, 250);
    // The consumption is a native debit in the ledger.
    const entries = (await nativeOk(server, 'GET', `/v1/ledger-entries?customerId=${customerId}&unit=tokens`)).data;
    const debitId = entries.find((entry: Json) => entry.type === 'debit').debitId;
    assert.match(debitId, /^dbt_/);
  });

  it('replays the same idempotency key without consuming twice; the same key with another amount is a 409', async () => {
    const customerId = newCustomer();
    await grant(customerId, 100);
    const body = { customerId, amount: 30, idempotencyKey: `idem-${customerId}` };
    const first = await consume(body);
    assert.equal(first.status, 200);
    const replay = await server.expectNoWrites(() => consume(body));
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.body, first.body);
    assert.equal(await nativeBalance(customerId), '70');
    const conflict = await server.expectNoWrites(() => consume({ ...body, amount: 31 }));
    expectStiggError(conflict, 409, 'DuplicatedEntityNotAllowed', /already used/);
    assert.equal(await nativeBalance(customerId), '70');
  });

  it('refuses consumption beyond the balance unless the wallet allows an overdraft', async () => {
    const customerId = newCustomer();
    await grant(customerId, 10);
    const refused = await server.expectNoWrites(() => consume({ customerId, amount: 11, idempotencyKey: `over-${customerId}` }));
    expectStiggError(refused, 400, 'EntitlementLimitExceededError', /available/);
    await nativeOk(server, 'POST', '/v1/wallets', { customerId, unit: 'tokens', overdraftLimit: '5' });
    const overdrawn = await consume({ customerId, amount: 13, idempotencyKey: `over2-${customerId}` });
    assert.equal(overdrawn.status, 200, overdrawn.text);
    const balance = await nativeOk(server, 'GET', `/v1/balances?customerId=${customerId}&unit=tokens`);
    assert.equal(balance.available, '0');
    assert.equal(balance.overdraft, '3');
    const page = await ledger({ customerId, currencyId: 'tokens', limit: 10 });
    const overdraft = page.data.find((entry: Json) => entry.creditGrantId === null);
    assert.deepEqual([overdraft.eventType, overdraft.amount], ['CREDITS_CONSUMED', -3]);
  });

  it('rejects bad consumption input in Stigg shape, writing nothing', async () => {
    const customerId = newCustomer();
    await grant(customerId, 10);
    const cases: Array<[Record<string, unknown>, number, string, RegExp?]> = [
      [{ customerId, amount: 1 }, 400, 'BadUserInput', /idempotencyKey/],
      [{ customerId, amount: 0, idempotencyKey: 'k0' }, 400, 'BadUserInput', /amount/],
      [{ customerId, amount: 1, idempotencyKey: 'k1', createdAt: isoIn(3_600_000) }, 400, 'BadUserInput', /createdAt/],
      [{ customerId, amount: 1, idempotencyKey: 'k2', dimensions: { nested: { a: 1 } } }, 400, 'BadUserInput', /dimensions/],
      [{ customerId, amount: 1, idempotencyKey: 'k3', featureId: 'f' }, 400, 'BadUserInput', /featureId/],
      [{ customerId: 'nobody', amount: 1, idempotencyKey: 'k4' }, 404, 'NotFound', /customer/],
      [{ customerId, amount: 1, idempotencyKey: 'k5', currencyId: 'nope' }, 404, 'NotFound', /currency/],
      // A resource's wallet is made on first use: a refused consumption does not leave it behind.
      [{ customerId, amount: 1, idempotencyKey: 'k6', resourceId: 'never-granted' }, 400, 'EntitlementLimitExceededError'],
    ];
    for (const [body, status, code, message] of cases) {
      expectStiggError(await server.expectNoWrites(() => consume(body)), status, code, message);
    }
  });

  it("shows the ledger with Stigg's event types, signed amounts, features and `next` paging", async () => {
    const customerId = newCustomer();
    const paid = await grant(customerId, 100);
    // Burned last (priority 90), so it still holds credit when it expires.
    const shortLived = await grant(customerId, 20, { expireAt: isoIn(1000), priority: 90 });
    assert.equal((await consume({ customerId, amount: 15, idempotencyKey: `l1-${customerId}` })).status, 200);
    await nativeOk(server, 'POST', '/v1/debits', { customerId, unit: 'tokens', amount: '5', feature: 'image-gen' });
    const hold = await nativeOk(server, 'POST', '/v1/holds', { customerId, unit: 'tokens', amount: '10', ttlSeconds: 60 });
    await nativeOk(server, 'POST', `/v1/holds/${hold.id}/capture`, { amount: '4' });
    await sleep(1200);
    assert.equal((await server.stigg('POST', `/api/v1/credits/grants/${paid.id}/void`)).status, 200);

    const all = await ledger({ customerId, currencyId: 'tokens', limit: 100 });
    const summary = all.data.map((entry: Json) => [entry.eventType, entry.amount, entry.creditGrantId === paid.id ? 'paid' : entry.creditGrantId === shortLived.id ? 'short' : entry.creditGrantId]);
    // Newest first: void, expiry (booked when the void's transaction ran past expireAt), capture, hold, debits, grants.
    assert.equal(summary[0][0], 'CREDITS_VOIDED');
    const totals: Record<string, number> = {};
    for (const [type, amount] of summary) totals[type] = Math.round(((totals[type] ?? 0) + amount) * 100) / 100;
    assert.deepEqual(totals, { CREDITS_VOIDED: -76, CREDITS_EXPIRED: -20, CREDITS_CONSUMED: -24, CREDITS_UPDATED: 0, CREDITS_GRANTED: 120 });
    assert.ok(summary.some(([type, amount]: [string, number]) => type === 'CREDITS_UPDATED' && amount === 0), 'the hold and release move no credit');
    const featured = all.data.find((entry: Json) => entry.featureId === 'image-gen');
    assert.deepEqual([featured.eventType, featured.amount], ['CREDITS_CONSUMED', -5]);
    for (const entry of all.data) {
      assert.equal(entry.customerId, customerId);
      assert.equal(entry.creditCurrencyId, 'tokens');
      assert.equal(entry.resourceId, null);
      assert.match(entry.eventId, /^le_/);
    }
    // The sum of every event is what is left: nothing.
    assert.equal(Math.round(all.data.reduce((sum: number, entry: Json) => sum + entry.amount, 0) * 100) / 100, 0);
    assert.equal(await nativeBalance(customerId), '0');

    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ledger({ customerId, currencyId: 'tokens', limit: 3, ...(cursor ? { after: cursor } : {}) });
      assert.ok(page.data.length <= 3);
      paged.push(...page.data.map((entry: Json) => entry.eventId));
      cursor = page.pagination.next ?? undefined;
    } while (cursor);
    assert.deepEqual(paged, all.data.map((entry: Json) => entry.eventId));
    expectStiggError(await server.stigg('GET', '/api/v1/credits/ledger', { query: { customerId, before: paged[0]! } }), 400, 'UnsupportedParameter');
    expectStiggError(await server.stigg('GET', '/api/v1/credits/ledger', { query: { currencyId: 'tokens' } }), 400, 'BadUserInput', /customerId/);
  });

  it('scopes consumption and the ledger by resource', async () => {
    const customerId = newCustomer();
    await grant(customerId, 50, { resourceId: 'workspace-a' });
    await grant(customerId, 5);
    const consumed = await consume({ customerId, amount: 20, idempotencyKey: `res-${customerId}`, resourceId: 'workspace-a' });
    assert.equal(expectShape(ConsumptionResponse, consumed.body).data.resourceId, 'workspace-a');
    const scoped = await ledger({ customerId, resourceId: 'workspace-a' });
    assert.deepEqual(scoped.data.map((entry: Json) => [entry.eventType, entry.amount, entry.resourceId]), [
      ['CREDITS_CONSUMED', -20, 'workspace-a'],
      ['CREDITS_GRANTED', 50, 'workspace-a'],
    ]);
    const unscoped = await ledger({ customerId });
    assert.deepEqual(unscoped.data.map((entry: Json) => [entry.eventType, entry.amount]), [['CREDITS_GRANTED', 5]]);
  });

  it('is one engine: native grants and debits show in Stigg with the same amounts', async () => {
    const customerId = newCustomer();
    await nativeOk(server, 'POST', '/v1/customers', { id: customerId });
    const native = await nativeOk(server, 'POST', '/v1/grants', { customerId, unit: 'tokens', amount: '42.5', category: 'paid', priority: 3, name: 'native top-up' });
    await nativeOk(server, 'POST', '/v1/debits', { customerId, unit: 'tokens', amount: '2.25' });
    const listed = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, currencyId: 'tokens' } })).body);
    assert.equal(listed.data.length, 1);
    const seen = listed.data[0];
    assert.deepEqual(
      [seen.id, seen.amount, seen.consumedAmount, seen.grantType, seen.priority, seen.displayName, seen.status],
      [native.id, 42.5, 2.25, 'PAID', 3, 'native top-up', 'ACTIVE'],
    );
    const events = await ledger({ customerId, currencyId: 'tokens' });
    assert.deepEqual(events.data.map((entry: Json) => [entry.eventType, entry.amount]), [
      ['CREDITS_CONSUMED', -2.25],
      ['CREDITS_GRANTED', 42.5],
    ]);
    // And what Stigg consumes, the native balance shows.
    assert.equal((await consume({ customerId, amount: 0.25, idempotencyKey: `one-${customerId}` })).status, 200);
    assert.equal(await nativeBalance(customerId), '40');
    // A grant a native recurring schedule issued is Stigg's RECURRING.
    const recurring = await nativeOk(server, 'POST', '/v1/grants', { customerId, unit: 'tokens', amount: '10', recurrencePeriod: 'P1M' });
    const relisted = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, currencyId: 'tokens' } })).body);
    assert.deepEqual([relisted.data[0].id, relisted.data[0].grantType, relisted.data[0].amount], [recurring.id, 'RECURRING', 10]);
  });

  it('keeps environments apart: a live key sees no test customer', async () => {
    const customerId = newCustomer();
    await grant(customerId, 10);
    const live = server.liveKey();
    // The customer is another environment's: unknown here, as it is to consumption.
    expectStiggError(await server.stigg('GET', '/api/v1/credits/ledger', { query: { customerId }, key: live }), 404, 'NotFound', /customer/);
    const consumed = await server.stigg('POST', '/api/v1/credits/consumption', { body: { customerId, currencyId: 'tokens', amount: 1, idempotencyKey: 'live-1' }, key: live });
    expectStiggError(consumed, 404, 'NotFound');
    assert.equal(await nativeBalance(customerId), '10');
  });
  it('answers 404 NotFound for the ledger of an unknown customer or currency, as consumption does', async () => {
    const customerId = newCustomer();
    await grant(customerId, 3);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ customerId, currencyId: 'nocur' }, /custom currency 'nocur'/],
      [{ customerId: 'nobody' }, /customer/],
      [{ customerId: 'nobody', currencyId: 'tokens' }, /customer/],
    ];
    for (const [query, message] of cases) {
      expectStiggError(await server.stigg('GET', '/api/v1/credits/ledger', { query }), 404, 'NotFound', message);
      // Consumption names the same customer and currency, and answers the same.
      const consumed = await server.expectNoWrites(() => consume({ currencyId: 'tokens', ...query, amount: 1, idempotencyKey: `unknown-${customerId}` }));
      expectStiggError(consumed, 404, 'NotFound', message);
    }
    assert.equal((await ledger({ customerId, currencyId: 'tokens' })).data.length, 1);
  });

  it('replays a consumption whose retry only adds or drops empty dimensions', async () => {
    const customerId = newCustomer();
    await grant(customerId, 10);
    const body = { customerId, amount: 2, idempotencyKey: `dims-${customerId}` };
    const first = await consume(body);
    assert.equal(first.status, 200, first.text);
    const retry = await server.expectNoWrites(() => consume({ ...body, dimensions: {} }));
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
    assert.equal(await nativeBalance(customerId), '8');
    // Dimensions with something in them are another request.
    expectStiggError(await server.expectNoWrites(() => consume({ ...body, dimensions: { model: 'x' } })), 409, 'DuplicatedEntityNotAllowed');
  });

  it('replays a consumption kept before `dimensions: {}` fingerprinted as none (the body as sent), retried after the upgrade', async () => {
    const customerId = newCustomer();
    await grant(customerId, 10);
    const body = { customerId, currencyId: 'tokens', amount: 2, idempotencyKey: `upgrade-${customerId}`, dimensions: {} };
    const first = await consume(body);
    assert.equal(first.status, 200, first.text);
    // As the release before stored it: fingerprinted over the body as sent, its empty dimensions included.
    const { idempotencyKey, ...asSent } = body;
    storeEarlierFingerprint(server, idempotencyKey, fingerprintOf('stigg.consumption', asSent));
    const expectReplay = async () => {
      const retry = await server.expectNoWrites(() => consume(body));
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.body, first.body);
    };
    await expectReplay();
    // Once the process remembers the wallet's state (another consumption), the retry's record fails to insert
    // there, and today's path decides the same.
    assert.equal((await consume({ customerId, amount: 1, idempotencyKey: `next-${customerId}` })).status, 200);
    await expectReplay();
    assert.equal(await nativeBalance(customerId), '7');
    // Another body under the key is still another request.
    const conflict = await server.expectNoWrites(() => consume({ ...body, amount: 3 }));
    expectStiggError(conflict, 409, 'DuplicatedEntityNotAllowed', new RegExp(`'${idempotencyKey}' was already used`));
  });

  it('takes the string its advice for a long number names: a consumption of "1e30" is refused for its size, "1.5e3" is taken', async () => {
    const customerId = newCustomer();
    await grant(customerId, 2000);
    const advised = await server.expectNoWrites(() => consume({ customerId, amount: 1e30, idempotencyKey: `big-${customerId}` }));
    const literal = /e\.g\. "([^"]+)"/.exec(expectStiggError(advised, 400, 'BadUserInput', /send it as/).message)![1]!;
    const followed = await server.expectNoWrites(() => consume({ customerId, amount: literal, idempotencyKey: `big-${customerId}` }));
    expectStiggError(followed, 400, 'BadUserInput', /'amount' has more than 25 digits before the decimal point/);
    const spelled = await consume({ customerId, amount: '1.5e3', idempotencyKey: `exp-${customerId}` });
    assert.equal(expectShape(ConsumptionResponse, spelled.body).data.amount, 1500);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fingerprintOf } from '../../../src/app/idempotency.ts';
import { expectShape, expectStiggError, isoIn, nativeOk, sleep, startStiggServer, storeEarlierFingerprint, type Json, type StiggServer } from './stigg-harness.ts';
import { GrantListResponse, GrantResponse, StiggErrorResponse } from './stigg-response-schemas.ts';

const DAY = 86_400_000;

/**
 * Stigg credit grants (create, list, void) through /compat/stigg on the real
 * `serve` command, with raw requests shaped as Stigg's client sends them.
 */
describe('stigg dialect: credit grants', () => {
  let server: StiggServer;
  let customerCounter = 0;
  const newCustomer = () => `customer-${++customerCounter}`;

  const grantBody = (overrides: Record<string, unknown> = {}) => ({
    displayName: 'Monthly credits',
    amount: 1000,
    grantType: 'PROMOTIONAL',
    customerId: 'customer-123',
    currencyId: 'credits',
    ...overrides,
  });

  const createGrant = async (overrides: Record<string, unknown> = {}): Promise<Json> => {
    const response = await server.stigg('POST', '/api/v1/credits/grants', { body: grantBody(overrides) });
    assert.equal(response.status, 201, response.text);
    return expectShape(GrantResponse, response.body).data;
  };

  before(async () => {
    server = await startStiggServer();
    const created = await server.stigg('POST', '/api/v1/credits/custom-currencies', { body: { id: 'credits', displayName: 'Credits' } });
    assert.equal(created.status, 201, created.text);
    // A unit made natively with two decimal places, to check that precision is enforced.
    await nativeOk(server, 'POST', '/v1/units', { code: 'cents', scale: 2 });
  });

  after(async () => server?.close());

  it("runs the seed's client example (amount 0, currency 'currencyId'): Stigg's bad-request shape, nothing written", async () => {
    const response = await server.expectNoWrites(() =>
      server.stigg('POST', '/api/v1/credits/grants', {
        body: { amount: 0, currencyId: 'currencyId', customerId: 'customerId', displayName: 'displayName', grantType: 'PAID' },
      }),
    );
    expectShape(StiggErrorResponse, response.body);
    expectStiggError(response, 400, 'BadUserInput', /amount/);
  });

  it("creates the seed's response example grant (201, {data}) with every documented field", async () => {
    const effectiveAt = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY).toISOString();
    const expireAt = new Date(Date.parse(effectiveAt) + 365 * DAY - 1000).toISOString();
    const customersBefore = (await server.native('GET', '/v1/customers?limit=100')).body.data.length;
    const grant = await createGrant({ priority: 1, effectiveAt, expireAt, metadata: {}, cost: { amount: 0, currency: 'usd' } });
    assert.match(grant.id, /^grt_/);
    assert.equal(grant.displayName, 'Monthly credits');
    assert.equal(grant.amount, 1000);
    assert.equal(grant.consumedAmount, 0);
    assert.equal(grant.grantType, 'PROMOTIONAL');
    assert.equal(grant.sourceType, null);
    assert.equal(grant.priority, 1);
    assert.equal(grant.effectiveAt, effectiveAt);
    assert.equal(grant.expireAt, expireAt);
    assert.equal(grant.voidedAt, null);
    assert.deepEqual(grant.metadata, {});
    assert.deepEqual(grant.cost, { amount: 0, currency: 'usd' });
    assert.equal(grant.comment, null);
    assert.equal(grant.customerId, 'customer-123');
    assert.equal(grant.resourceId, null);
    assert.equal(grant.currencyId, 'credits');
    assert.equal(grant.invoiceId, null);
    assert.equal(grant.latestInvoice, null);
    assert.equal(grant.paymentCollection, 'NOT_REQUIRED');
    // Effective tomorrow: scheduled until then.
    assert.equal(grant.status, 'SCHEDULED');

    // The customer was created on first use, with the caller's own ID; the native API sees the same grant.
    const customer = await nativeOk(server, 'GET', '/v1/customers/customer-123');
    assert.equal(customer.id, 'customer-123');
    assert.equal((await server.native('GET', '/v1/customers?limit=100')).body.data.length, customersBefore + 1);
    // Its creation is audited as a write of its own, in the grant's transaction: same request, same operation.
    const auditOf = async (objectId: string) => (await nativeOk(server, 'GET', `/v1/audit-log?objectId=${objectId}`)).data as Json[];
    const [customerRow, ...moreCustomerRows] = await auditOf('customer-123');
    const [grantRow] = await auditOf(grant.id);
    assert.deepEqual(moreCustomerRows, []);
    assert.deepEqual(
      { requestId: customerRow?.requestId, operation: customerRow?.operation, apiKeyId: customerRow?.apiKeyId },
      { requestId: grantRow.requestId, operation: grantRow.operation, apiKeyId: grantRow.apiKeyId },
    );
    assert.match(grantRow.operation, /^stigg:POST .*\/api\/v1\/credits\/grants$/);
    // A later grant to the same customer creates nothing, so audits only itself.
    const second = await createGrant({});
    assert.equal((await auditOf('customer-123')).length, 1);
    assert.equal((await auditOf(second.id)).length, 1);
    const native = await nativeOk(server, 'GET', `/v1/grants/${grant.id}`);
    assert.equal(native.amount, '1000');
    assert.equal(native.category, 'promotional');
    assert.equal(native.priority, 1);
    assert.equal(native.walletKey, null);
    assert.equal(native.status, 'scheduled');
    assert.deepEqual(native.cost, { amount: '0', currency: 'usd' });
  });

  it('creates a paid grant with cost, comment, metadata and a resource (its own wallet)', async () => {
    const customerId = newCustomer();
    const grant = await createGrant({
      customerId,
      grantType: 'PAID',
      amount: 12.5,
      resourceId: 'site-1',
      comment: 'bought in March',
      metadata: { plan: 'pro' },
      cost: { amount: 9.99, currency: 'eur' },
      paymentCollectionMethod: 'NONE',
      awaitPaymentConfirmation: false,
    });
    assert.equal(grant.grantType, 'PAID');
    assert.equal(grant.amount, 12.5);
    assert.equal(grant.status, 'ACTIVE');
    assert.equal(grant.resourceId, 'site-1');
    assert.equal(grant.comment, 'bought in March');
    assert.deepEqual(grant.metadata, { plan: 'pro' });
    assert.deepEqual(grant.cost, { amount: 9.99, currency: 'eur' });
    const native = await nativeOk(server, 'GET', `/v1/grants/${grant.id}`);
    assert.equal(native.amount, '12.5');
    assert.equal(native.category, 'paid');
    assert.equal(native.walletKey, 'resource:site-1');
    assert.deepEqual(native.cost, { amount: '9.99', currency: 'eur' });
    const balance = await nativeOk(server, 'GET', `/v1/balances?customerId=${customerId}&unit=credits&walletKey=resource:site-1`);
    assert.equal(balance.available, '12.5');
  });

  it('rejects bad input with Stigg codes and statuses, writing nothing (not even the customer)', async () => {
    const customerId = newCustomer();
    const cases: Array<{ body: Record<string, unknown>; status: number; code: string; message?: RegExp }> = [
      { body: grantBody({ customerId, displayName: undefined }), status: 400, code: 'BadUserInput', message: /displayName/ },
      { body: grantBody({ customerId, unexpected: true }), status: 400, code: 'BadUserInput', message: /unexpected/ },
      { body: grantBody({ customerId, grantType: 'RECURRING' }), status: 400, code: 'BadUserInput', message: /grantType/ },
      { body: grantBody({ customerId, priority: 101 }), status: 400, code: 'BadUserInput', message: /priority/ },
      { body: grantBody({ customerId, amount: -5 }), status: 400, code: 'BadUserInput', message: /amount/ },
      { body: grantBody({ customerId, amount: '1e30' }), status: 400, code: 'BadUserInput', message: /amount' has more than 25 digits/ },
      { body: grantBody({ customerId, currencyId: 'cents', amount: 0.125 }), status: 400, code: 'BadUserInput', message: /decimal places/ },
      { body: grantBody({ customerId: 'bad id!' }), status: 400, code: 'BadUserInput', message: /customerId/ },
      { body: grantBody({ customerId, effectiveAt: 'tomorrow' }), status: 400, code: 'BadUserInput', message: /effectiveAt/ },
      { body: grantBody({ customerId, cost: { amount: -1, currency: 'usd' } }), status: 400, code: 'BadUserInput', message: /cost\.amount/ },
      { body: grantBody({ customerId, cost: { amount: 1, currency: 'USD' } }), status: 400, code: 'BadUserInput', message: /cost\.currency/ },
      // Refused by the engine's rules, not the schema: checked before the customer is created all the same.
      { body: grantBody({ customerId, cost: { amount: 5, currency: 'zzz' } }), status: 400, code: 'BadUserInput', message: /cost\.currency/ },
      { body: grantBody({ customerId, metadata: { ['k'.repeat(41)]: 'v' } }), status: 400, code: 'BadUserInput', message: /Metadata keys/ },
      { body: grantBody({ customerId, expireAt: isoIn(-DAY) }), status: 400, code: 'ExpireAtMustBeLaterThanEffectiveAtError', message: /expireAt/ },
      {
        body: grantBody({ customerId, effectiveAt: isoIn(10 * DAY), expireAt: isoIn(5 * DAY) }),
        status: 400,
        code: 'ExpireAtMustBeLaterThanEffectiveAtError',
      },
      { body: grantBody({ customerId, paymentCollectionMethod: 'CHARGE' }), status: 400, code: 'BillingIntegrationMissing' },
      // The seed documents 400/401/403/409/429 for creating a grant, no 404.
      { body: grantBody({ customerId, currencyId: 'no_such_currency' }), status: 400, code: 'BadUserInput', message: /custom currency/ },
    ];
    for (const { body, status, code, message } of cases) {
      const response = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body }));
      expectShape(StiggErrorResponse, response.body);
      expectStiggError(response, status, code, message);
    }
    // A number no double holds exactly is refused with advice, not rounded.
    const inexact = await server.expectNoWrites(() =>
      server.stigg('POST', '/api/v1/credits/grants', { rawBody: JSON.stringify(grantBody({ customerId })).replace('"amount":1000', '"amount":0.12345678901234567891') }),
    );
    expectStiggError(inexact, 400, 'BadUserInput', /cannot be represented exactly as a JSON number; send it as a string, e.g. "[^"]+", if the field takes decimal strings./);
    const malformed = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { rawBody: '{"amount":' }));
    expectStiggError(malformed, 400, 'BadUserInput', /JSON/);
    assert.equal((await server.native('GET', `/v1/customers/${customerId}`)).status, 404, 'the customer was not created');
  });

  it('lists grants newest first with `after`/`next` cursors, filters by currency, resource and createdAt', async () => {
    const customerId = newCustomer();
    const ids: string[] = [];
    for (let index = 1; index <= 5; index += 1) ids.push((await createGrant({ customerId, amount: index, displayName: `grant ${index}` })).id);
    await createGrant({ customerId, amount: 7, resourceId: 'other-resource' });

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const response = await server.stigg('GET', '/api/v1/credits/grants', {
        query: { customerId, currencyId: 'credits', limit: 2, ...(after ? { after } : {}) },
      });
      assert.equal(response.status, 200, response.text);
      const page = expectShape(GrantListResponse, response.body);
      assert.ok(page.data.length <= 2);
      assert.equal(page.pagination.prev, null);
      seen.push(...page.data.map((grant: Json) => grant.id));
      after = page.pagination.next ?? undefined;
      if (after) assert.equal(after, page.data[page.data.length - 1].id);
      pages += 1;
    } while (after);
    assert.equal(pages, 3);
    // Only the grants without a resource, newest first.
    assert.deepEqual(seen, [...ids].reverse());

    const scoped = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, resourceId: 'other-resource' } })).body);
    assert.deepEqual(scoped.data.map((grant: Json) => [grant.amount, grant.resourceId]), [[7, 'other-resource']]);
    const otherCurrency = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, currencyId: 'cents' } })).body);
    assert.deepEqual(otherCurrency.data, []);

    // createdAt[gte]: only grants created at or after the third one (brackets %-encoded, as the client sends them).
    const third = await nativeOk(server, 'GET', `/v1/grants/${ids[2]}`);
    const since = await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, createdAt: { gte: third.createdAt } } });
    assert.deepEqual(expectShape(GrantListResponse, since.body).data.map((grant: Json) => grant.id), ids.slice(2).reverse());
    // The same filter with raw brackets, and an exclusive upper bound.
    const raw = await fetch(`${server.stiggUrl}/api/v1/credits/grants?customerId=${customerId}&createdAt[lt]=${encodeURIComponent(third.createdAt)}`, {
      headers: { 'x-api-key': server.testKey, accept: 'application/json' },
    });
    assert.deepEqual(expectShape(GrantListResponse, await raw.json()).data.map((grant: Json) => grant.id), ids.slice(0, 2).reverse());

    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, before: ids[0]! } }), 400, 'UnsupportedParameter', /before/);
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, after: 'grt_nope' } }), 400, 'BadUserInput');
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { currencyId: 'credits' } }), 400, 'BadUserInput', /customerId/);
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, limit: 0 } }), 400, 'BadUserInput', /limit/);
  });

  it('voids a grant (no body): {data} with VOIDED; a second void is CreditGrantAlreadyVoided', async () => {
    const customerId = newCustomer();
    const grant = await createGrant({ customerId, amount: 300 });
    await nativeOk(server, 'POST', '/v1/debits', { customerId, unit: 'credits', amount: '100' });
    const voided = await server.stigg('POST', `/api/v1/credits/grants/${grant.id}/void`);
    assert.equal(voided.status, 200, voided.text);
    const data = expectShape(GrantResponse, voided.body).data;
    assert.equal(data.status, 'VOIDED');
    assert.equal(data.consumedAmount, 100);
    assert.ok(data.voidedAt);
    assert.equal(data.updatedAt, data.voidedAt);
    const native = await nativeOk(server, 'GET', `/v1/grants/${grant.id}`);
    assert.equal(native.voided, '200');
    assert.equal(native.consumed, '100');

    const again = await server.expectNoWrites(() => server.stigg('POST', `/api/v1/credits/grants/${grant.id}/void`));
    expectStiggError(again, 400, 'CreditGrantAlreadyVoided');
    expectStiggError(await server.stigg('POST', '/api/v1/credits/grants/grt_missing/void'), 404, 'NotFound');
    expectStiggError(await server.stigg('POST', `/api/v1/credits/grants/${grant.id}/void`, { body: { reason: 'x' } }), 400, 'BadUserInput', /reason/);
  });

  it('refuses to void an expired grant (CreditGrantCannotBeVoided)', async () => {
    const customerId = newCustomer();
    const grant = await createGrant({ customerId, amount: 5, expireAt: isoIn(1200) });
    await sleep(1500);
    // The background sweep books the expiry on its own schedule; wait for it, so it cannot land in the no-writes window below.
    for (let waited = 0; ; waited += 100) {
      const entries = await nativeOk(server, 'GET', `/v1/ledger-entries?grantId=${grant.id}`);
      if (entries.data.some((entry: Json) => entry.type === 'expiry')) break;
      assert.ok(waited < 15_000, 'the sweep booked the expiry');
      await sleep(100);
    }
    const listed = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId } })).body);
    assert.equal(listed.data[0].status, 'EXPIRED');
    const response = await server.expectNoWrites(() => server.stigg('POST', `/api/v1/credits/grants/${grant.id}/void`));
    expectStiggError(response, 400, 'CreditGrantCannotBeVoided');
  });

  it('does not see grants of wallets Stigg does not name (a Paygentic entitlement)', async () => {
    const customerId = newCustomer();
    await createGrant({ customerId, amount: 1 });
    const native = await nativeOk(server, 'POST', '/v1/grants', { customerId, unit: 'credits', walletKey: 'entitlement:ent_x', amount: '9' });
    expectStiggError(await server.stigg('POST', `/api/v1/credits/grants/${native.id}/void`), 404, 'NotFound');
    const listed = expectShape(GrantListResponse, (await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId } })).body);
    assert.deepEqual(listed.data.map((grant: Json) => grant.amount), [1]);
  });

  it('replays a create sent with an Idempotency-Key header; the same key with other parameters is a 409', async () => {
    const customerId = newCustomer();
    const headers = { 'idempotency-key': `grant-${customerId}` };
    const first = await server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: 40 }), headers });
    assert.equal(first.status, 201);
    const replay = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: 40 }), headers }));
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.body, first.body);
    const conflict = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: 41 }), headers }));
    expectStiggError(conflict, 409, 'DuplicatedEntityNotAllowed');
  });

  it('authenticates with X-API-KEY only, and keeps environments apart (404)', async () => {
    const customerId = newCustomer();
    const grant = await createGrant({ customerId, amount: 3 });
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId }, key: null }), 401, 'Unauthenticated');
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId }, key: 'cb_test_wrong' }), 401, 'Unauthenticated');
    const bearer = await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId }, key: null, headers: { authorization: `Bearer ${server.testKey}` } });
    expectStiggError(bearer, 401, 'Unauthenticated', /X-API-KEY/);
    // X-ENVIRONMENT-ID and X-ACCOUNT-ID are ignored for API keys, as in Stigg.
    const withHeaders = await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId }, headers: { 'x-environment-id': 'env-x', 'x-account-id': 'acc-x' } });
    assert.equal(expectShape(GrantListResponse, withHeaders.body).data.length, 1);

    const live = server.liveKey();
    expectStiggError(await server.stigg('POST', `/api/v1/credits/grants/${grant.id}/void`, { key: live }), 404, 'NotFound');
    // The customer is another environment's: unknown here.
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId }, key: live }), 404, 'NotFound', /customer/);
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${grant.id}`)).voidedAt, null);
  });
  it('takes the string its advice for a long number names: "1e20" is granted, "1e30" is refused for its size, never for its type', async () => {
    const customerId = newCustomer();
    const spelled = await createGrant({ customerId, amount: '1e3', cost: { amount: '2.5e1', currency: 'usd' } });
    assert.deepEqual([spelled.amount, spelled.cost], [1000, { amount: 25, currency: 'usd' }]);
    const adviceFor = async (amount: number): Promise<string> => {
      const response = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount }) }));
      const error = expectStiggError(response, 400, 'BadUserInput', /send it as/);
      return /e\.g\. "([^"]+)"/.exec(error.message)![1]!;
    };
    // No double holds 1e20 as an exact integer: the advice is a string the field takes.
    assert.equal((await createGrant({ customerId, amount: await adviceFor(1e20) })).amount, 1e20);
    for (const advised of [await adviceFor(1e30), '1e30', '1e300']) {
      const response = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: advised }) }));
      expectStiggError(response, 400, 'BadUserInput', /'amount' has more than 25 digits before the decimal point/);
    }
    const cost = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, cost: { amount: '1e30', currency: 'usd' } }) }));
    expectStiggError(cost, 400, 'BadUserInput', /'cost\.amount' has more than 25 digits/);
  });

  it('answers 404 NotFound for a grant list of an unknown customer or currency, as the README says', async () => {
    const customerId = newCustomer();
    await createGrant({ customerId, amount: 2 });
    const unknownCurrency = await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, currencyId: 'nocur' } });
    expectStiggError(unknownCurrency, 404, 'NotFound', /custom currency 'nocur'/);
    expectStiggError(await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId: 'nobody' } }), 404, 'NotFound', /customer/);
    // A resource is only a wallet key: one without grants is an empty list.
    const unknownResource = await server.stigg('GET', '/api/v1/credits/grants', { query: { customerId, resourceId: 'never-used' } });
    assert.deepEqual(expectShape(GrantListResponse, unknownResource.body).data, []);
  });

  it('replays a keyed create kept before `metadata: {}` fingerprinted as none (the body as sent), retried after the upgrade', async () => {
    const customerId = newCustomer();
    const key = `upgrade-${customerId}`;
    const body = grantBody({ customerId, amount: 6, metadata: {} });
    const create = (sent: Record<string, unknown>) => server.stigg('POST', '/api/v1/credits/grants', { body: sent, headers: { 'idempotency-key': key } });
    const first = await create(body);
    assert.equal(first.status, 201, first.text);
    // As the release before stored it (kept forever): fingerprinted over the body as sent, its empty metadata included.
    storeEarlierFingerprint(server, key, fingerprintOf('stigg.grants.create', body));
    const retry = await server.expectNoWrites(() => create(body));
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
    // Another body under the key is still another request.
    const conflict = await server.expectNoWrites(() => create(grantBody({ customerId, amount: 7, metadata: {} })));
    expectStiggError(conflict, 409, 'DuplicatedEntityNotAllowed', new RegExp(`'${key}' was already used`));
  });

  it('replays a keyed create whose retry only adds or drops an empty object (metadata: {})', async () => {
    const customerId = newCustomer();
    const headers = { 'idempotency-key': `empty-${customerId}` };
    const first = await server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: 4 }), headers });
    assert.equal(first.status, 201, first.text);
    for (const extra of [{ metadata: {} }, { metadata: {}, billingInformation: {} }]) {
      const retry = await server.expectNoWrites(() => server.stigg('POST', '/api/v1/credits/grants', { body: grantBody({ customerId, amount: 4, ...extra }), headers }));
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.body, first.body);
    }
  });
});

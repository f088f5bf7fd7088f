import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createEntitlement,
  expectPaygenticError,
  expectShape,
  nativeOk,
  startPaygenticServer,
  storeEarlierFingerprint,
  type Json,
  type PaygenticServer,
} from './paygentic-harness.ts';
import { fingerprintOf } from '../../../src/app/idempotency.ts';
import { PaygenticGrant, PaygenticGrantList } from './paygentic-response-schemas.ts';

const DAY = 86_400_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Paygentic entitlement grants through /compat/paygentic on the real `serve`
 * command: pagination, idempotency, amounts, rollover, bad input, environments.
 */
describe('paygentic dialect: entitlement grants', () => {
  let server: PaygenticServer;
  let counter = 0;
  const newEntitlement = async (options: { scale?: number; unit?: string } = {}) => {
    counter += 1;
    const entitlementId = `ent_test${counter}`;
    await createEntitlement(server, { entitlementId, customerId: `cus-pg-${counter}`, ...options });
    return entitlementId;
  };
  const grants = (entitlementId: string) => `/v1/entitlements/${entitlementId}/grants`;
  const createGrant = async (entitlementId: string, body: Record<string, unknown>): Promise<Json> => {
    const response = await server.paygentic('POST', grants(entitlementId), { body });
    assert.equal(response.status, 201, response.text);
    return expectShape(PaygenticGrant, response.body);
  };
  const list = async (entitlementId: string, query = '?includeVoided=false&limit=20&offset=0'): Promise<Json> => {
    const response = await server.paygentic('GET', `${grants(entitlementId)}${query}`);
    assert.equal(response.status, 200, response.text);
    return expectShape(PaygenticGrantList, response.body);
  };

  before(async () => {
    server = await startPaygenticServer();
  });

  after(async () => server?.close());

  it('replays a create with the same idempotency key; other parameters are a 409; the key is scoped to the entitlement', async () => {
    const entitlementId = await newEntitlement();
    const body = { amount: 75, idempotencyKey: 'topup-1', expiresAt: isoIn(30 * DAY) };
    const first = await createGrant(entitlementId, body);
    const replay = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body }));
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(expectShape(PaygenticGrant, replay.body), first);
    const conflict = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { ...body, amount: 76 } }));
    expectPaygenticError(conflict, 409, 'IDEMPOTENCY_CONFLICT');
    // The same key on another entitlement is another grant.
    const other = await newEntitlement();
    const elsewhere = await createGrant(other, body);
    assert.notEqual(elsewhere.id, first.id);
    assert.equal((await list(entitlementId)).pagination.total, 1);
  });

  it('pages with limit and offset, newest first, with the total', async () => {
    const entitlementId = await newEntitlement();
    const ids: string[] = [];
    for (let index = 1; index <= 5; index += 1) ids.push((await createGrant(entitlementId, { amount: index, idempotencyKey: `page-${index}` })).id);
    const newestFirst = [...ids].reverse();
    const pages = [];
    for (const offset of [0, 2, 4]) pages.push(await list(entitlementId, `?includeVoided=false&limit=2&offset=${offset}`));
    assert.deepEqual(pages.map((page) => page.data.map((grant: Json) => grant.id)), [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    assert.deepEqual(pages.map((page) => page.pagination), [
      { total: 5, limit: 2, offset: 0 },
      { total: 5, limit: 2, offset: 2 },
      { total: 5, limit: 2, offset: 4 },
    ]);
    const beyond = await list(entitlementId, '?includeVoided=false&limit=20&offset=10');
    assert.deepEqual([beyond.data, beyond.pagination.total], [[], 5]);
    await server.paygentic('DELETE', `${grants(entitlementId)}/${ids[0]}`);
    assert.equal((await list(entitlementId)).pagination.total, 4);
    assert.equal((await list(entitlementId, '?includeVoided=true&limit=20&offset=0')).pagination.total, 5);
    for (const query of ['?limit=0', '?limit=101', '?offset=-1', '?includeVoided=yes', '?page=2']) {
      expectPaygenticError(await server.paygentic('GET', `${grants(entitlementId)}${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('reads amounts exactly: shortest decimal form, the unit scale, no rounding', async () => {
    const entitlementId = await newEntitlement({ unit: 'precise', scale: 4 });
    const grant = await createGrant(entitlementId, { amount: 0.1, idempotencyKey: 'tenth' });
    assert.equal(grant.amount, 0.1);
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${grant.id}`)).amount, '0.1');
    const fromString = await createGrant(entitlementId, { amount: '12.3456', idempotencyKey: 'string-amount' });
    assert.equal(fromString.amount, 12.3456);
    const cases: Array<[string, RegExp]> = [
      ['{"amount":0.12345,"idempotencyKey":"k1"}', /decimal places/],
      ['{"amount":0.1000000000000000055511151231257827,"idempotencyKey":"k2"}', /cannot be represented exactly as a JSON number; send it as a string, e.g. "[^"]+", if the field takes decimal strings./],
      ['{"amount":12345678901234567890,"idempotencyKey":"k3"}', /cannot be represented exactly as a JSON number; send it as a string, e.g. "[^"]+", if the field takes decimal strings./],
      ['{"amount":0,"idempotencyKey":"k4"}', /amount/],
      ['{"amount":-5,"idempotencyKey":"k5"}', /amount/],
      ['{"amount":"1e30","idempotencyKey":"k6"}', /'amount' has more than 25 digits before the decimal point/],
    ];
    for (const [rawBody, message] of cases) {
      const response = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { rawBody }));
      expectPaygenticError(response, 400, 'VALIDATION_ERROR', message);
      assert.equal(response.body.details.param, 'amount');
    }
  });

  it('takes effectiveAt and expiresAt (null: never expires), and checks their order', async () => {
    const entitlementId = await newEntitlement();
    const effectiveAt = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY).toISOString();
    const expiresAt = new Date(Date.parse(effectiveAt) + 30 * DAY).toISOString();
    const scheduled = await createGrant(entitlementId, { amount: 10, idempotencyKey: 'later', effectiveAt, expiresAt });
    assert.deepEqual([scheduled.effectiveAt, scheduled.expiresAt], [effectiveAt, expiresAt]);
    const open = await createGrant(entitlementId, { amount: 10, idempotencyKey: 'open', expiresAt: null });
    assert.equal(open.expiresAt, null);
    const offset = await createGrant(entitlementId, { amount: 1, idempotencyKey: 'offset', effectiveAt: '2020-01-01T02:00:00+02:00' });
    assert.equal(offset.effectiveAt, '2020-01-01T00:00:00.000Z');
    const backwards = await server.expectNoWrites(() =>
      server.paygentic('POST', grants(entitlementId), { body: { amount: 1, idempotencyKey: 'backwards', effectiveAt: expiresAt, expiresAt: effectiveAt } }),
    );
    expectPaygenticError(backwards, 400, 'VALIDATION_ERROR', /expiresAt/);
    const notADate = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { amount: 1, idempotencyKey: 'x', effectiveAt: 'soon' } }));
    expectPaygenticError(notADate, 400, 'VALIDATION_ERROR', /effectiveAt/);
  });

  it('keeps resetMaxRollover/resetMinRollover (echoed, applied at usage-period resets); refuses a recurrencePeriod', async () => {
    const entitlementId = await newEntitlement();
    const capped = await createGrant(entitlementId, { amount: 100, idempotencyKey: 'capped', resetMaxRollover: 30, resetMinRollover: 5 });
    assert.deepEqual([capped.resetMaxRollover, capped.resetMinRollover], [30, 5]);
    const native = await nativeOk(server, 'GET', `/v1/grants/${capped.id}`);
    assert.deepEqual([native.resetMaxRollover, native.resetMinRollover], ['30', '5']);
    const plain = await createGrant(entitlementId, { amount: 5, idempotencyKey: 'nulls', resetMaxRollover: null, resetMinRollover: null, recurrencePeriod: null });
    assert.equal(plain.recurrencePeriod, null);
    assert.equal('resetMaxRollover' in plain, false);
    for (const [extra, status, code, param] of [
      [{ recurrencePeriod: 'P1M' }, 501, 'NOT_SUPPORTED', 'recurrencePeriod'],
      [{ resetMaxRollover: -1 }, 400, 'VALIDATION_ERROR', 'resetMaxRollover'],
      [{ resetMaxRollover: 1, resetMinRollover: 2 }, 400, 'VALIDATION_ERROR', 'resetMinRollover'],
      [{ resetMaxRollover: 0.001 }, 400, 'VALIDATION_ERROR', 'resetMaxRollover'],
    ] as const) {
      const response = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { amount: 5, idempotencyKey: 'roll', ...extra } }));
      const error = expectPaygenticError(response, status, code);
      assert.equal(error.details.param, param);
    }
  });

  it('applies the rollover cap at the usage-period boundary and defaults effectiveAt to the period start', async () => {
    const entitlementId = await newEntitlement();
    // A daily usage period whose next boundary is two seconds away.
    const boundary = Date.now() + 2000;
    const periodStart = new Date(boundary - DAY).toISOString();
    await nativeOk(server, 'POST', '/v1/wallets', { customerId: `cus-pg-${counter}`, unit: 'api_calls', walletKey: `entitlement:${entitlementId}`, usagePeriod: { period: 'P1D', anchor: periodStart } });
    const grant = await createGrant(entitlementId, { amount: 100, idempotencyKey: 'period', resetMaxRollover: 30 });
    assert.equal(grant.effectiveAt, periodStart, "effectiveAt defaults to the entitlement's current period start");
    await nativeOk(server, 'POST', '/v1/debits', { customerId: `cus-pg-${counter}`, unit: 'api_calls', walletKey: `entitlement:${entitlementId}`, amount: '10' });
    let detail = (await server.paygentic('GET', `/v1/entitlements/${entitlementId}`)).body;
    assert.deepEqual(
      [detail.balance, detail.usageInPeriod, detail.currentPeriodStart, detail.currentPeriodEnd],
      [90, 10, periodStart, new Date(boundary).toISOString()],
    );
    await new Promise((resolve) => setTimeout(resolve, boundary - Date.now() + 300));
    detail = (await server.paygentic('GET', `/v1/entitlements/${entitlementId}`)).body;
    // 90 was left; only 30 carried over the reset, and the new period has no usage yet.
    assert.deepEqual([detail.balance, detail.usageInPeriod, detail.currentPeriodStart], [30, 0, new Date(boundary).toISOString()]);
    // Reads project the reset; the background sweep books it a little later. Wait for that booking, so it cannot land
    // inside a later test's "writes nothing" window.
    const expiries = `/v1/ledger-entries?customerId=cus-pg-${counter}&unit=api_calls&type=expiry`;
    for (let waited = 0; (await nativeOk(server, 'GET', expiries)).data.length === 0; waited += 100) {
      assert.ok(waited < 15_000, 'the sweep books the reset within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('rejects bad requests in the flat error shape, writing nothing', async () => {
    const entitlementId = await newEntitlement();
    const cases: Array<[{ body?: unknown; rawBody?: string }, number, string, RegExp?]> = [
      [{ body: { amount: 5 } }, 400, 'VALIDATION_ERROR', /idempotencyKey/],
      [{ body: { amount: 5, idempotencyKey: '' } }, 400, 'VALIDATION_ERROR', /idempotencyKey/],
      [{ body: { amount: 5, idempotencyKey: 'x'.repeat(256) } }, 400, 'VALIDATION_ERROR', /idempotencyKey/],
      [{ body: { amount: 5, idempotencyKey: 'k', priority: 1 } }, 400, 'VALIDATION_ERROR', /priority/],
      [{ body: [] }, 400, 'VALIDATION_ERROR'],
      [{ rawBody: '{"amount": 5,' }, 400, 'INVALID_JSON'],
    ];
    for (const [request, status, code, message] of cases) {
      expectPaygenticError(await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), request)), status, code, message);
    }
    const purchase = await server.expectNoWrites(() => server.paygentic('POST', `${grants(entitlementId)}/purchase`, { body: { amount: 5, price: 'five', idempotencyKey: 'p' } }));
    expectPaygenticError(purchase, 400, 'VALIDATION_ERROR', /price/);
  });

  it('answers 404 for unknown entitlements and for grants of another entitlement', async () => {
    const first = await newEntitlement();
    const second = await newEntitlement();
    const grant = await createGrant(first, { amount: 3, idempotencyKey: 'mine' });
    expectPaygenticError(await server.expectNoWrites(() => server.paygentic('POST', grants('ent_missing'), { body: { amount: 1, idempotencyKey: 'k' } })), 404, 'NOT_FOUND');
    expectPaygenticError(await server.paygentic('GET', `${grants('ent_missing')}?includeVoided=false&limit=20&offset=0`), 404, 'NOT_FOUND');
    expectPaygenticError(await server.paygentic('GET', `${grants(second)}/${grant.id}`), 404, 'NOT_FOUND');
    expectPaygenticError(await server.expectNoWrites(() => server.paygentic('DELETE', `${grants(second)}/${grant.id}`)), 404, 'NOT_FOUND');
    const missing = expectPaygenticError(await server.paygentic('GET', `${grants(first)}/grt_missing`), 404, 'NOT_FOUND');
    assert.equal(missing.details.param, 'grantId');
    assert.equal(expectPaygenticError(await server.paygentic('DELETE', `${grants(first)}/grt_missing`), 404, 'NOT_FOUND').details.param, 'grantId');
    assert.equal(expectPaygenticError(await server.paygentic('GET', `${grants(second)}/${grant.id}`), 404, 'NOT_FOUND').details.param, 'grantId');
    assert.equal((await server.paygentic('GET', `${grants(first)}/${grant.id}`)).body.voidedAt, null);
  });

  it('authenticates with a Bearer key and keeps environments apart', async () => {
    const entitlementId = await newEntitlement();
    const grant = await createGrant(entitlementId, { amount: 8, idempotencyKey: 'env' });
    expectPaygenticError(await server.paygentic('GET', grants(entitlementId), { key: null }), 401, 'UNAUTHENTICATED');
    expectPaygenticError(await server.paygentic('GET', grants(entitlementId), { key: 'cb_test_nope' }), 401, 'UNAUTHENTICATED');
    const live = server.liveKey();
    expectPaygenticError(await server.paygentic('GET', `${grants(entitlementId)}/${grant.id}`, { key: live }), 404, 'NOT_FOUND');
    expectPaygenticError(await server.paygentic('DELETE', `${grants(entitlementId)}/${grant.id}`, { key: live }), 404, 'NOT_FOUND');
    expectPaygenticError(
      await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { amount: 1, idempotencyKey: 'live' }, key: live })),
      404,
      'NOT_FOUND',
    );
    assert.equal((await list(entitlementId)).pagination.total, 1);
    // A grant of another environment, asked for through an entitlement of this one: unknown, named as the path names it.
    await createEntitlement(server, { entitlementId: 'ent_live', customerId: 'cus-live', key: live });
    const liveGrant = expectShape(PaygenticGrant, (await server.paygentic('POST', grants('ent_live'), { body: { amount: 2, idempotencyKey: 'live' }, key: live })).body);
    const elsewhere = expectPaygenticError(await server.paygentic('GET', `${grants(entitlementId)}/${liveGrant.id}`), 404, 'NOT_FOUND');
    assert.equal(elsewhere.details.param, 'grantId');
  });

  it('takes amounts and rollover caps as decimal strings in the native spelling, so the advice for a long number can be followed', async () => {
    const entitlementId = await newEntitlement();
    assert.equal((await createGrant(entitlementId, { amount: '1e3', idempotencyKey: 'spelled' })).amount, 1000);
    const adviceFor = async (rawBody: string): Promise<string> => {
      const response = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { rawBody }));
      const error = expectPaygenticError(response, 400, 'VALIDATION_ERROR', /send it as/);
      assert.equal(error.details.param, 'resetMaxRollover');
      return /e\.g\. "([^"]+)"/.exec(error.message)![1]!;
    };
    // Twenty digits no double holds: sent as the string it advises, the cap is kept exactly.
    const long = await adviceFor('{"amount":5,"idempotencyKey":"long","resetMaxRollover":12345678901234567890}');
    const capped = await createGrant(entitlementId, { amount: 5, idempotencyKey: 'long', resetMaxRollover: long });
    assert.equal((await nativeOk(server, 'GET', `/v1/grants/${capped.id}`)).resetMaxRollover, '12345678901234567890');
    // Past 25 digits: the string is refused for its size, as the native API refuses it, never for its type.
    for (const advised of [await adviceFor('{"amount":5,"idempotencyKey":"huge","resetMaxRollover":1e300}'), '1e300']) {
      const response = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { amount: 5, idempotencyKey: 'huge', resetMaxRollover: advised } }));
      const error = expectPaygenticError(response, 400, 'VALIDATION_ERROR', /'resetMaxRollover' has more than 25 digits before the decimal point/);
      assert.equal(error.details.param, 'resetMaxRollover');
    }
  });

  it('replays a create whose retry only adds or drops explicit nulls (expiresAt, recurrencePeriod, rollover caps)', async () => {
    const entitlementId = await newEntitlement();
    const body = { amount: 12, idempotencyKey: 'nulls-retry' };
    const first = await createGrant(entitlementId, body);
    for (const extra of [{ recurrencePeriod: null }, { expiresAt: null }, { resetMaxRollover: null, resetMinRollover: null }]) {
      const retry = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { ...body, ...extra } }));
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(expectShape(PaygenticGrant, retry.body), first);
    }
    // A value that is not null is another request.
    expectPaygenticError(await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { ...body, expiresAt: isoIn(DAY) } })), 409, 'IDEMPOTENCY_CONFLICT');
  });

  it('replays a create and a purchase kept before explicit nulls fingerprinted as none (the parameters as sent), retried after the upgrade', async () => {
    const entitlementId = await newEntitlement();
    // As the release before stored them (kept forever): fingerprinted over the parameters as sent, nulls included.
    const created = { amount: 12, idempotencyKey: 'upgrade-create', expiresAt: null, resetMaxRollover: null };
    const first = await createGrant(entitlementId, created);
    const { idempotencyKey: createKey, ...createSent } = created;
    storeEarlierFingerprint(server, createKey, fingerprintOf('paygentic.grants.create', { entitlementId, ...createSent }));
    const purchase = `${grants(entitlementId)}/purchase`;
    const bought = { amount: 10, price: '5.00', idempotencyKey: 'upgrade-purchase', expiresAt: null };
    const firstPurchase = await server.paygentic('POST', purchase, { body: bought });
    assert.equal(firstPurchase.status, 201, firstPurchase.text);
    const { idempotencyKey: purchaseKey, ...purchaseSent } = bought;
    storeEarlierFingerprint(server, `purchase:${purchaseKey}`, fingerprintOf('paygentic.grants.purchase', { entitlementId, ...purchaseSent }));

    const retry = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: created }));
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(expectShape(PaygenticGrant, retry.body), first);
    const purchaseRetry = await server.expectNoWrites(() => server.paygentic('POST', purchase, { body: bought }));
    assert.equal(purchaseRetry.status, 201, purchaseRetry.text);
    assert.deepEqual(purchaseRetry.body, firstPurchase.body);
    // Other parameters under the keys are still other requests.
    const conflict = await server.expectNoWrites(() => server.paygentic('POST', grants(entitlementId), { body: { ...created, amount: 13 } }));
    expectPaygenticError(conflict, 409, 'IDEMPOTENCY_CONFLICT', /'upgrade-create'/);
    const purchaseConflict = await server.expectNoWrites(() => server.paygentic('POST', purchase, { body: { ...bought, price: '6.00' } }));
    expectPaygenticError(purchaseConflict, 409, 'IDEMPOTENCY_CONFLICT', /'upgrade-purchase'/);
  });

  it("names the client's own key in a purchase conflict, never the key it is kept under", async () => {
    const entitlementId = await newEntitlement();
    const body = { amount: 10, price: '5.00', idempotencyKey: 'pp1' };
    assert.equal((await server.paygentic('POST', `${grants(entitlementId)}/purchase`, { body })).status, 201);
    const retry = await server.expectNoWrites(() => server.paygentic('POST', `${grants(entitlementId)}/purchase`, { body: { ...body, expiresAt: null } }));
    assert.equal(retry.status, 201, retry.text);
    const conflict = await server.expectNoWrites(() => server.paygentic('POST', `${grants(entitlementId)}/purchase`, { body: { ...body, price: '6.00' } }));
    const error = expectPaygenticError(conflict, 409, 'IDEMPOTENCY_CONFLICT', /'pp1'/);
    assert.doesNotMatch(error.message, /purchase:/);
    assert.equal(error.details.param, 'idempotencyKey');
  });
});

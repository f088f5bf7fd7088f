import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, startTestApi, type ExpectedError, type Json, type RequestOptions, type TestApi } from '../support/test-api.ts';

/**
 * The query string of a native route: a '%' that escapes nothing is refused, naming its parameter, and so is any
 * parameter of a route that takes none, as an unknown one is on the routes that take some. Each refusal writes nothing.
 * (Unknown parameters of routes with a query, and escapes that are not UTF-8: bad-input.test.ts.)
 */
describe("query strings are refused when malformed or not the route's own", () => {
  let api: TestApi;
  let wallet: { customerId: string; unit: string };
  let grant: Json;
  let hold: Json;

  before(async () => {
    api = await startTestApi();
    wallet = await api.wallet();
    grant = await api.grant({ ...wallet, amount: '100' });
    hold = await api.hold({ ...wallet, amount: '10' });
  });

  after(async () => {
    await api.close();
  });

  async function rejects(request: RequestOptions, expected: ExpectedError): Promise<Json> {
    return expectError(await api.expectNoWrites(() => api.request(request)), expected);
  }

  it("a '%' in the query that escapes nothing is a 400 naming the parameter, on reads and writes, and changes nothing", async () => {
    for (const [url, param] of [
      ['/v1/customers?limit=%ZZ', 'limit'],
      [`/v1/grants?customerId=%ZZ`, 'customerId'],
      ['/v1/customers?search=100%', 'search'],
      [`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}&at=2030%`, 'at'],
      ['/v1/customers?%ZZ=1', 'query'],
    ] as const) {
      await rejects({ method: 'GET', url }, { status: 400, code: 'validation_error', param, message: 'not a percent escape' });
    }
    // A write whose body is right but whose query is not books nothing.
    await rejects({ method: 'POST', url: '/v1/debits?x=%G1', body: { ...wallet, amount: '1' } }, { status: 400, code: 'validation_error', param: 'x', message: "holds '%G1'" });
  });

  it('a route that takes no query parameters refuses any, naming it, and books nothing', async () => {
    const takesNone = 'this route takes no query parameters';
    // An amount sent in the query instead of the body would otherwise capture the whole hold.
    await rejects({ method: 'POST', url: `/v1/holds/${hold.id}/capture?amount=1`, body: {} }, { status: 400, code: 'validation_error', param: 'amount', message: takesNone });
    await rejects({ method: 'POST', url: '/v1/debits?dryRun=true', body: { ...wallet, amount: '1' } }, { status: 400, code: 'validation_error', param: 'dryRun', message: takesNone });
    await rejects({ method: 'GET', url: `/v1/grants/${grant.id}?expand=wallet` }, { status: 400, code: 'validation_error', param: 'expand', message: takesNone });
    await rejects({ method: 'GET', url: '/v1/test-clock?at=now' }, { status: 400, code: 'validation_error', param: 'at', message: takesNone });
    // A name sent with no value is a parameter too.
    await rejects({ method: 'GET', url: `/v1/customers/${wallet.customerId}?verbose` }, { status: 400, code: 'validation_error', param: 'verbose', message: takesNone });
    // The controls: the same requests without the query pass; routes that take some say only that this one is unknown.
    expectStatus(await api.get(`/v1/grants/${grant.id}`), 200);
    expectStatus(await api.get(`/v1/customers/${wallet.customerId}?`), 200);
    const other = await rejects({ method: 'GET', url: '/v1/customers?expand=wallet' }, { status: 400, code: 'validation_error', param: 'expand' });
    assert.equal(other.message, "Unknown parameter 'expand'.");
    // Routes outside the API (a health check, the OpenAPI document) are asked by probes and tools: left as they were.
    assert.equal((await api.request({ method: 'GET', url: '/healthz?probe=1', key: null })).status, 200);
    assert.equal((await api.request({ method: 'GET', url: '/openapi.json?v=2', key: null })).status, 200);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import { migrations } from '../../src/store/migrations/migrations.ts';
import { DAY, expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/** Events, the test clock, and the routes outside /v1: health, OpenAPI, metrics, unknown routes, 500s. */
describe('events, test clock and system routes', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('GET /v1/events', () => {
    it('lists the outbox events of every change, newest first, filtered by type and paged', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const grant = await local.grant({ ...wallet, amount: '10' });
        const debit = await local.debit({ ...wallet, amount: '1' });
        const hold = await local.hold({ ...wallet, amount: '2' });
        expectStatus(await local.post(`/v1/holds/${hold.id}/capture`, {}), 200);
        expectStatus(await local.post(`/v1/grants/${grant.id}/void`, {}), 200);

        const all = expectStatus(await local.get('/v1/events'), 200);
        assert.equal(all.object, 'list');
        assert.equal(all.hasMore, false);
        assert.deepEqual(
          all.data.map((event: Json) => event.type),
          // Voiding the rest takes the balance to zero: balance.depleted, in the same transaction.
          ['balance.depleted', 'grant.voided', 'hold.captured', 'hold.created', 'debit.created', 'grant.created'],
        );
        const created = all.data.at(-1);
        assert.match(created.id, /^evt_[0-9a-z]{26}$/);
        assert.equal(created.object, 'event');
        assert.equal(created.createdAt, iso(local.t0));
        assert.equal(created.data.grantId, grant.id);
        assert.equal(created.data.customerId, wallet.customerId);
        assert.equal(created.data.unit, wallet.unit);
        assert.equal(created.data.walletId, grant.walletId);
        assert.equal(all.data[4].data.debitId, debit.id);

        const holds = expectStatus(await local.get('/v1/events?type=hold.created'), 200);
        assert.deepEqual(holds.data.map((event: Json) => event.data.holdId), [hold.id]);

        const first = expectStatus(await local.get('/v1/events?limit=2'), 200);
        assert.equal(first.hasMore, true);
        const rest = expectStatus(await local.get(`/v1/events?limit=10&startingAfter=${first.data[1].id}`), 200);
        assert.equal(rest.hasMore, false);
        assert.deepEqual([...first.data, ...rest.data], all.data);
        expectError(await local.get('/v1/events?limit=abc'), { status: 400, code: 'validation_error', param: 'limit' });
      } finally {
        await local.close();
      }
    });
  });

  describe('GET /v1/test-clock and POST /v1/test-clock/advance', () => {
    it('follows the real clock until advanced, then stays frozen where it was moved', async () => {
      const local = await startTestApi({ freezeClock: false });
      try {
        const before = expectStatus(await local.get('/v1/test-clock'), 200);
        assert.equal(before.object, 'test_clock');
        assert.equal(before.frozen, false);
        assert.ok(Math.abs(Date.parse(before.now) - Date.now()) < 60_000);

        const to = Date.now() + DAY;
        const advanced = expectStatus(await local.post('/v1/test-clock/advance', { to: iso(to) }), 200);
        assert.deepEqual(advanced, { object: 'test_clock', frozen: true, now: iso(to), complete: true });
        const { complete: _complete, ...clock } = advanced;
        assert.deepEqual(expectStatus(await local.get('/v1/test-clock'), 200), clock);
        const customer = await local.createCustomer();
        assert.equal(customer.createdAt, iso(to), 'writes happen at the frozen instant');
        // Moving to the same instant is allowed.
        expectStatus(await local.post('/v1/test-clock/advance', { to: iso(to) }), 200);
      } finally {
        await local.close();
      }
    });

    it('refuses to move backwards (400 to) and leaves the clock where it was', async () => {
      const now = await api.now();
      const response = await api.expectNoWrites(() => api.post('/v1/test-clock/advance', { to: iso(now - 1) }));
      expectError(response, { status: 400, code: 'validation_error', param: 'to' });
      assert.equal(await api.now(), now);
    });

    it('rejects a missing, malformed or impossible `to` and unknown fields', async () => {
      const now = await api.now();
      const cases: Array<[unknown, string]> = [
        [{}, 'to'],
        [{ to: 'tomorrow' }, 'to'],
        [{ to: '2030-02-29T00:00:00Z' }, 'to'],
        [{ to: Date.now() + DAY }, 'to'],
        [{ to: iso(now + HOUR), by: 'hour' }, 'by'],
      ];
      for (const [body, param] of cases) {
        expectError(await api.expectNoWrites(() => api.post('/v1/test-clock/advance', body)), { status: 400, code: 'validation_error', param });
      }
      assert.equal(await api.now(), now);
    });

    it('books everything due by the new time, at its own instant, in every wallet', async () => {
      const local = await startTestApi();
      try {
        const t0 = local.t0;
        const first = await local.wallet();
        const second = await local.wallet();
        const expiring = await local.grant({ ...first, amount: '8', expiresAt: iso(t0 + HOUR) });
        const scheduled = await local.grant({ ...second, amount: '3', effectiveAt: iso(t0 + 2 * HOUR) });
        const hold = await local.hold({ ...first, amount: '2', ttlSeconds: 30 * 60 });
        await local.advanceClock(t0 + DAY);

        const entriesOf = async (customerId: string) =>
          expectStatus(await local.get(`/v1/ledger-entries?limit=100&customerId=${customerId}`), 200)
            .data.reverse()
            .map((entry: Json) => [entry.sequence, entry.type, entry.grantId, entry.amount, entry.effectiveAt]);
        assert.deepEqual(await entriesOf(first.customerId), [
          [1, 'grant', expiring.id, '8', iso(t0)],
          [2, 'hold', expiring.id, '-2', iso(t0)],
          [3, 'release', expiring.id, '2', iso(t0 + 30 * MINUTE)],
          [4, 'expiry', expiring.id, '-8', iso(t0 + HOUR)],
        ]);
        assert.deepEqual(await entriesOf(second.customerId), [[1, 'grant', scheduled.id, '3', iso(t0 + 2 * HOUR)]]);
        assert.equal(expectStatus(await local.get(`/v1/holds/${hold.id}`), 200).status, 'expired');
        const types = expectStatus(await local.get('/v1/events?limit=100'), 200).data.map((event: Json) => event.type);
        assert.ok(types.includes('grant.expired'));
        assert.ok(types.includes('hold.expired'));
        assert.equal((await local.balance(second)).available, '3');
        assert.equal((await local.balance(first)).available, '0');
      } finally {
        await local.close();
      }
    });
  });

  describe('routes outside /v1', () => {
    it('GET /healthz answers ok without a key, with the version, the store and its migration version', async () => {
      const response = await api.get('/healthz', { key: null });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { status: 'ok', version: packageJson.version, store: 'sqlite', migrationVersion: Math.max(...migrations.map((migration) => migration.version)) });
      assert.match(String(response.headers['request-id']), /^req_/);
    });

    it('GET /openapi.json is an OpenAPI 3 document of the /v1 routes, from the validating schemas', async () => {
      const document = expectStatus(await api.get('/openapi.json', { key: null }), 200);
      assert.match(document.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof document.info.title, 'string');
      assert.equal(typeof document.info.version, 'string');
      assert.deepEqual(document.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer' });
      assert.deepEqual(document.security, [{ apiKey: [] }]);

      const expected: Record<string, string[]> = {
        '/v1/customers': ['get', 'post'],
        '/v1/customers/{id}': ['get'],
        '/v1/units': ['get', 'post'],
        '/v1/wallets': ['get', 'post'],
        '/v1/grants': ['get', 'post'],
        '/v1/grants/{id}': ['get', 'patch'],
        '/v1/grants/{id}/void': ['post'],
        '/v1/grants/{id}/expire': ['post'],
        '/v1/grant-schedules': ['get'],
        '/v1/grant-schedules/{id}': ['get'],
        '/v1/grant-schedules/{id}/cancel': ['post'],
        '/v1/debits': ['get', 'post'],
        '/v1/debits/{id}': ['get'],
        '/v1/debits/batch': ['post'],
        '/v1/holds': ['get', 'post'],
        '/v1/holds/{id}': ['get'],
        '/v1/holds/{id}/capture': ['post'],
        '/v1/holds/{id}/release': ['post'],
        '/v1/balances': ['get'],
        '/v1/balances/history': ['get'],
        '/v1/balances/runway': ['get'],
        '/v1/portal-sessions': ['post'],
        '/v1/portal-session': ['get'],
        '/v1/portal-session/purchases': ['post'],
        '/v1/ledger-entries': ['get'],
        '/v1/events': ['get'],
        '/v1/test-clock': ['get'],
        '/v1/test-clock/advance': ['post'],
        '/v1/purchases': ['get', 'post'],
        '/v1/purchases/{id}': ['get'],
        '/v1/purchases/{id}/cancel': ['post'],
        '/v1/purchases/{id}/refund': ['post'],
        '/v1/credit-notes': ['get'],
        '/v1/credit-notes/{id}': ['get'],
        '/v1/reports/revenue': ['get'],
        '/v1/exports/ledger': ['get'],
        '/v1/exports/grants': ['get'],
        '/v1/exports/usage': ['get'],
        '/v1/exports/revenue': ['get'],
        '/v1/invoices': ['get'],
        '/v1/invoices/{id}': ['get'],
        '/v1/webhook-endpoints': ['get', 'post'],
        '/v1/webhook-endpoints/{id}': ['delete', 'get'],
        '/v1/webhook-endpoints/{id}/deliveries': ['get'],
        '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/resend': ['post'],
        '/v1/webhook-endpoints/{id}/rotate-secret': ['post'],
        '/v1/balance-settings': ['get', 'post'],
        '/v1/auto-top-ups': ['get'],
        '/v1/payment-methods': ['get', 'post'],
        '/v1/payment-methods/{id}': ['get'],
        '/v1/api-keys': ['get', 'post'],
        '/v1/api-keys/{id}/revoke': ['post'],
        '/v1/test-environments': ['get', 'post'],
        '/v1/test-environments/{id}': ['delete'],
        '/v1/audit-log': ['get'],
        '/v1/features': ['get', 'post'],
        '/v1/features/{key}': ['get'],
        '/v1/prices': ['get', 'post'],
        '/v1/prices/{id}': ['get'],
        '/v1/usage-events': ['post'],
        '/v1/usage-events/batch': ['post'],
        '/v1/usage-events/{id}': ['get'],
        '/v1/entitlements/check': ['post'],
        '/v1/usage': ['get'],
      };
      assert.deepEqual(Object.keys(document.paths).sort(), Object.keys(expected).sort(), 'exactly the /v1 routes; hidden routes stay out');
      const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
      for (const [path, item] of Object.entries(document.paths) as Array<[string, Json]>) {
        assert.deepEqual(Object.keys(item).filter((key) => methods.includes(key)).sort(), expected[path], path);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        for (const method of expected[path]!) {
          const operation = item[method];
          assert.ok(operation.responses && Object.keys(operation.responses).length > 0, `${method} ${path} has responses`);
          for (const parameter of operation.parameters ?? []) {
            assert.ok(['path', 'query', 'header', 'cookie'].includes(parameter.in), `${method} ${path}: parameter location`);
            assert.equal(typeof parameter.name, 'string');
            assert.ok(parameter.schema, `${method} ${path}: ${parameter.name} has a schema`);
            if (parameter.in === 'path') assert.equal(parameter.required, true);
          }
          const pathParameters = (operation.parameters ?? []).filter((parameter: Json) => parameter.in === 'path').map((parameter: Json) => parameter.name);
          assert.deepEqual(pathParameters, templated, `${method} ${path} declares its path parameters`);
          if (operation.requestBody) {
            assert.equal(operation.requestBody.content['application/json'].schema.type, 'object');
          }
        }
      }
      const serialised = JSON.stringify(document);
      for (const [, reference] of serialised.matchAll(/"\$ref":"([^"]+)"/g)) {
        const target = reference!.replace(/^#\//, '').split('/').reduce((node: Json, part) => node?.[part], document);
        assert.ok(target, `$ref ${reference} resolves`);
      }

      // Generated from the schemas that validate: required fields and strictness match behaviour.
      const createGrant = document.paths['/v1/grants'].post.requestBody.content['application/json'].schema;
      assert.deepEqual([...createGrant.required].sort(), ['amount', 'customerId', 'unit']);
      assert.equal(createGrant.additionalProperties, false);
      assert.ok('appliesTo' in createGrant.properties && 'expiresAt' in createGrant.properties);
      const listGrants = document.paths['/v1/grants'].get.parameters.map((parameter: Json) => parameter.name).sort();
      assert.deepEqual(listGrants, ['customerId', 'includeVoided', 'limit', 'startingAfter', 'status', 'unit', 'walletKey']);
    });

    it('GET /metrics exposes request durations by route and status in Prometheus text', async () => {
      const local = await startTestApi();
      try {
        await local.createCustomer();
        await local.createCustomer();
        expectError(await local.get('/v1/customers/cus_missing'), { status: 404, code: 'not_found' });
        const response = await local.get('/metrics', { key: null });
        assert.equal(response.status, 200);
        assert.match(String(response.headers['content-type']), /^text\/plain/);
        const line = (route: string, method: string, status: number) =>
          response.text.split('\n').find((text) => text.startsWith(`creditbook_http_request_duration_seconds_count{surface="native",method="${method}",route="${route}",status="${status}"}`));
        assert.equal(line('/v1/customers', 'POST', 201)?.split(' ')[1], '2');
        assert.equal(line('/v1/customers/:id', 'GET', 404)?.split(' ')[1], '1');
        assert.match(response.text, /# TYPE creditbook_http_request_duration_seconds histogram/);
        assert.match(response.text, /process_cpu_seconds_total/);
      } finally {
        await local.close();
      }
    });

    it('an unknown route answers 404 in the documented shape (after authentication under /v1)', async () => {
      expectError(await api.get('/v1/nothing-here'), { status: 404, code: 'not_found', message: '/v1/nothing-here' });
      expectError(await api.get('/v1/nothing-here', { key: null }), { status: 401, code: 'unauthenticated' });
      expectError(await api.get('/nothing-here', { key: null }), { status: 404, code: 'not_found' });
      expectError(await api.request({ method: 'DELETE', url: '/v1/customers' }), { status: 404, code: 'not_found' });
    });

    it('a 500 carries a request id and no internals', async () => {
      const local = await startTestApi();
      try {
        const customer = await local.createCustomer();
        // Break the store underneath the server: every read now throws from better-sqlite3.
        await local.store.close();
        const response = await local.get(`/v1/customers/${customer.id}`);
        const error = expectError(response, { status: 500, code: 'internal_error', type: 'api_error', param: null });
        assert.equal(error.details, undefined);
        assert.doesNotMatch(error.message, /sqlite|database|connection|stack|\.ts/i);
        assert.match(error.message, /requestId/);
      } finally {
        await local.close();
      }
    });
  });
});

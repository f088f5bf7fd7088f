import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { scopes, type Scope } from '../../src/app/scopes.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { defaultConfiguration } from '../../src/cli/configuration.ts';
import { loadDialect } from '../../src/compat/dialects.ts';
import { createEdgeAccess } from '../../src/edge/access.ts';
import { nativeRouteScope } from '../../src/http/route-scopes.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startAllSurfaces, type AllSurfaces, type Surface } from '../support/all-surfaces.ts';
import type { RawResponse } from '../support/raw-http.ts';

/**
 * Every route of every surface: each one in /openapi.json (the native API and
 * the Stigg and Paygentic mounts) and each route the Stripe and Chargebee
 * dialects register. For each, against the real `serve`:
 * - a key holding every scope but the one the route needs gets 403 naming it,
 *   and a key holding only that scope gets past the check;
 * - a full-access key of the other (live) environment, naming objects of the
 *   test environment in the path, gets 404.
 */
interface Route {
  surface: Surface;
  method: string;
  /** The surface's own path template, `:param` style. */
  path: string;
  scope: Scope;
}

const grantable: readonly Scope[] = scopes.filter((scope) => scope !== 'all');

/** The routes a dialect registers, found by registering it into a bare server (as `serve` does). */
async function dialectRoutes(name: 'stripe' | 'chargebee'): Promise<Route[]> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-routes-'));
  const store = new SqliteStore(join(directory, 'routes.db'));
  try {
    await store.migrate();
    const dependencies = composeDependencies(store, { configuration: defaultConfiguration() });
    const dialect = await loadDialect(name);
    const routes: Route[] = [];
    const server = Fastify();
    await server.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          if (method !== 'HEAD') routes.push({ surface: name, method, path: route.url, scope: dialect.scopeOf(method, route.url)! });
        }
      });
      await dialect.register(scope, dependencies, createEdgeAccess(dependencies));
    });
    await server.close();
    return routes;
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('every route checks the scope of the key, and keeps environments apart', () => {
  let served: AllSurfaces;
  let routes: Route[];
  const allBut = new Map<Scope, string>();
  const only = new Map<Scope, string>();
  let liveKey: string;
  /** Objects of the test environment, by the path parameter that names them. */
  const objects: Record<string, string> = {};

  const call = (surface: Surface, method: string, path: string, key: string): Promise<RawResponse> =>
    served.send(surface, { method, path, key, ...(method === 'GET' || method === 'DELETE' ? {} : surface === 'stripe' ? { form: '' } : { body: {} }) });

  before(async () => {
    // Webhook endpoints may point at 127.0.0.1 here (the opt-in); nothing is ever delivered in this test.
    served = await startAllSurfaces({ store: 'sqlite', env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const native = (method: string, path: string, body?: unknown) => served.send('native', { method, path, ...(body === undefined ? {} : { body }) });
    for (const scope of grantable) {
      const without = await native('POST', '/v1/api-keys', { name: `all but ${scope}`, scopes: grantable.filter((other) => other !== scope) });
      assert.equal(without.status, 201, without.text);
      allBut.set(scope, without.body.key);
      const with_ = await native('POST', '/v1/api-keys', { name: `only ${scope}`, scopes: [scope] });
      objects.apiKey ??= with_.body.id;
      only.set(scope, with_.body.key);
    }
    liveKey = served.createKey('live');

    // Test-environment objects that the routes' path parameters can name.
    assert.equal((await native('POST', '/v1/units', { code: 'credits', scale: 2 })).status, 201);
    objects.customer = (await native('POST', '/v1/customers', { id: 'cus_scoped' })).body.id;
    const wallet = { customerId: objects.customer, unit: 'credits' };
    objects.grant = (await native('POST', '/v1/grants', { ...wallet, amount: '100' })).body.id;
    objects.schedule = (await native('POST', '/v1/grants', { ...wallet, amount: '5', recurrencePeriod: 'P1M' })).body.scheduleId;
    objects.debit = (await native('POST', '/v1/debits', { ...wallet, amount: '1' })).body.id;
    objects.hold = (await native('POST', '/v1/holds', { ...wallet, amount: '1' })).body.id;
    const purchase = (await native('POST', '/v1/purchases', { ...wallet, amount: '10', price: '1.00' })).body;
    objects.purchase = purchase.id;
    objects.invoice = purchase.invoice?.id ?? purchase.invoiceId;
    objects.endpoint = (await native('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'] })).body.id;
    const entry = (await native('GET', `/v1/ledger-entries?customerId=${objects.customer}`)).body.data[0];
    objects.entry = entry.id;
    assert.equal((await native('POST', '/v1/wallets', { customerId: objects.customer, unit: 'credits', walletKey: 'entitlement:ent_scoped' })).status, 200);
    objects.entitlement = 'ent_scoped';
    for (const [name, id] of Object.entries(objects)) assert.ok(typeof id === 'string' && id.length > 0, `fixture ${name} was made`);

    const document = (await served.send('native', { method: 'GET', path: '/openapi.json', key: null })).body;
    routes = [];
    for (const [template, item] of Object.entries<Record<string, unknown>>(document.paths)) {
      for (const method of Object.keys(item).filter((key) => ['get', 'post', 'patch', 'put', 'delete'].includes(key))) {
        const path = template.replace(/\{(\w+)\}/g, ':$1');
        const mount = /^\/compat\/(stigg|paygentic)(\/.*)$/.exec(path);
        const upper = method.toUpperCase();
        if (mount) {
          const dialect = await loadDialect(mount[1] as 'stigg' | 'paygentic');
          routes.push({ surface: mount[1] as Surface, method: upper, path: mount[2]!, scope: dialect.scopeOf(upper, mount[2]!)! });
        } else {
          routes.push({ surface: 'native', method: upper, path, scope: nativeRouteScope(upper, path)! });
        }
      }
    }
    routes.push(...(await dialectRoutes('stripe')), ...(await dialectRoutes('chargebee')));
  });

  after(async () => {
    await served?.stop();
  });

  it('finds the routes of every surface, each with a scope', () => {
    for (const surface of ['native', 'stripe', 'chargebee', 'stigg', 'paygentic'] as const) {
      assert.ok(routes.filter((route) => route.surface === surface).length >= 3, `routes of ${surface}`);
    }
    assert.ok(routes.length > 60, `${routes.length} routes`);
    for (const route of routes) assert.ok(grantable.includes(route.scope), `${route.surface} ${route.method} ${route.path} needs a known scope`);
    assert.ok(routes.some((route) => route.scope === 'read') && routes.some((route) => route.scope === 'debits:write'));
  });

  it('a key without the route’s scope is refused with 403 naming it; a key with only that scope gets past the check', async () => {
    const dummy = (path: string) => path.replace(/:(\w+)/g, 'x_1');
    for (const route of routes) {
      const where = `${route.surface} ${route.method} ${route.path}`;
      const refused = await call(route.surface, route.method, dummy(route.path), allBut.get(route.scope)!);
      assert.equal(refused.status, 403, `${where} without ${route.scope}: ${refused.status} ${refused.text}`);
      assert.ok(refused.text.includes(`'${route.scope}'`), `${where}: the 403 names ${route.scope}: ${refused.text}`);
      const allowed = await call(route.surface, route.method, dummy(route.path), only.get(route.scope)!);
      assert.ok(!(allowed.status === 403 && allowed.text.includes('lacks the')), `${where} with ${route.scope}: ${allowed.text}`);
    }
  });

  it('a live key naming test-environment objects in the path gets 404 on every route that names one', async () => {
    const realId = (route: Route, param: string): string => {
      const path = route.path;
      if (route.surface === 'stripe') {
        if (path.startsWith('/v1/customers')) return objects.customer!;
        if (path.startsWith('/v1/billing/credit_grants')) return objects.grant!.replace(/^grt_/, 'credgr_');
        if (path.startsWith('/v1/billing/credit_balance_transactions')) return objects.entry!.replace(/^le_/, 'cbtxn_');
      }
      if (param === 'entitlementId') return objects.entitlement!;
      if (param === 'deliveryId') return 'whd_unknown';
      const byResource: Array<[RegExp, string | undefined]> = [
        [/^\/v1\/customers/, objects.customer],
        [/^\/v1\/grant-schedules/, objects.schedule],
        [/grants/, objects.grant],
        [/^\/v1\/debits/, objects.debit],
        [/^\/v1\/holds/, objects.hold],
        [/^\/v1\/purchases/, objects.purchase],
        [/^\/v1\/invoices/, objects.invoice],
        [/^\/v1\/webhook-endpoints/, objects.endpoint],
        [/^\/v1\/api-keys/, objects.apiKey],
      ];
      // Features, prices, payment methods, usage events and Chargebee operations: an ID the live environment does not have either.
      return byResource.find(([pattern]) => pattern.test(path))?.[1] ?? `${param}_of_test`;
    };
    // Writes that validate their body before looking the object up get a valid one, so the lookup is what answers.
    const bodies: Record<string, unknown> = {
      'paygentic POST /v1/entitlements/:entitlementId/grants': { amount: 1, idempotencyKey: 'cross-env' },
      'paygentic POST /v1/entitlements/:entitlementId/grants/purchase': { amount: 1, price: '1.00', idempotencyKey: 'cross-env' },
    };
    const failures: string[] = [];
    const named = routes.filter((candidate) => candidate.path.includes(':'));
    for (const route of named) {
      const path = route.path.replace(/:(\w+)/g, (_, param: string) => encodeURIComponent(realId(route, param)));
      const body = bodies[`${route.surface} ${route.method} ${route.path}`];
      const response = body === undefined ? await call(route.surface, route.method, path, liveKey) : await served.send(route.surface, { method: route.method, path, key: liveKey, body });
      // Test environments are managed with a test key only, so a live key is refused before any lookup.
      const expected = route.path.startsWith('/v1/test-environments') ? 403 : 404;
      if (response.status !== expected) failures.push(`${route.surface} ${route.method} ${path}: ${response.status} ${response.text}`);
    }
    assert.deepEqual(failures, [], 'a live key gets 404 for test-environment objects');
    assert.ok(named.length >= 25, `${named.length} routes name an object`);
    const stillThere = await served.send('native', { method: 'GET', path: `/v1/grants/${objects.grant}` });
    assert.equal(stillThere.status, 200, 'the test environment still has its objects');
    assert.equal(stillThere.body.voidedAt, null, 'and a live key voided nothing');
  });
});

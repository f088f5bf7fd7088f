import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dialectNames, loadDialect } from '../../src/compat/dialects.ts';
import { createEdgeAccess } from '../../src/edge/access.ts';
import { createEdgeServer } from '../../src/edge/edge-server.ts';
import { sendErrorResponse } from '../../src/edge/errors.ts';
import { startTestApi, type TestApi } from '../support/test-api.ts';

/**
 * Every route of every dialect needs a Creditbook key in the vendor's form. The
 * routes come from the dialect's own route table (what it registers), so a new
 * route cannot be missed: each answers 401 without a key and writes nothing.
 */
describe('every dialect route needs a key', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  for (const name of dialectNames) {
    it(`${name}: every route answers 401 without a key, and writes nothing`, async () => {
      const dialect = await loadDialect(name);
      const server = createEdgeServer({
        newId: api.dependencies.newId,
        logger: false,
        sendError: sendErrorResponse(dialect.errorResponse),
        clientErrorResponse: dialect.errorResponse,
      });
      const routes: Array<{ method: string; url: string }> = [];
      server.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
      });
      await server.register(async (scope) => dialect.register(scope, api.dependencies, createEdgeAccess(api.dependencies)));
      await server.ready();
      try {
        assert.ok(routes.length >= 3, `${name} registers its routes (${routes.length})`);
        for (const route of routes) {
          const response = await api.expectNoWrites(() => server.inject({ method: route.method as 'GET', url: route.url.replace(/:\w+/g, 'id_1') }));
          assert.equal(response.statusCode, 401, `${route.method} ${route.url} without a key: ${response.body}`);
        }
      } finally {
        await server.close();
      }
    });
  }
});

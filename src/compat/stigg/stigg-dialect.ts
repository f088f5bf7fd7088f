import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../../app/dependencies.ts';
import { readOrWrite, type EdgeAccess } from '../../edge/access.ts';
import type { Dialect } from '../dialect.ts';
import { headerValue } from '../../edge/request-context.ts';
import { setUpJsonDialect } from '../json-dialect.ts';
import { registerStiggConsumptionRoutes } from './stigg-consumption-routes.ts';
import { registerStiggCurrencyRoutes } from './stigg-currency-routes.ts';
import { stiggError } from './stigg-errors.ts';
import { registerStiggGrantRoutes } from './stigg-grant-routes.ts';

/**
 * Stigg's credits API (7.x) over the same engine. Stigg's client takes a
 * `baseURL` with a path prefix, so the dialect also mounts under /compat/stigg
 * on the main port. Auth is the `X-API-KEY` header holding a Creditbook key;
 * `X-ENVIRONMENT-ID` and `X-ACCOUNT-ID` are ignored, as Stigg ignores them for
 * API keys (the key names its environment). See README.md in this folder.
 */
export const stiggDialect: Dialect = {
  name: 'stigg',
  acceptsBasePath: true,
  errorResponse: stiggError,
  // Custom currencies are units (customer-side setup); consumption spends; grants and their voiding are grants.
  scopeOf: (method, url) =>
    readOrWrite(method, url.includes('/custom-currencies') ? 'customers:write' : url.includes('/consumption') ? 'debits:write' : url.includes('/grants') ? 'grants:write' : undefined),
  async register(server: FastifyInstance, dependencies: AppDependencies, access: EdgeAccess) {
    setUpJsonDialect(server, access, {
      surface: 'stigg',
      presentedKey: (request) => headerValue(request, 'x-api-key')?.trim(),
      missingKeyMessage: 'Missing API key. Send a Creditbook API key in the X-API-KEY header.',
      errorResponse: stiggError,
    });
    registerStiggGrantRoutes(server, dependencies);
    registerStiggConsumptionRoutes(server, dependencies);
    registerStiggCurrencyRoutes(server, dependencies);
  },
};

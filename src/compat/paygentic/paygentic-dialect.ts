import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../../app/dependencies.ts';
import { readOrWrite, type EdgeAccess } from '../../edge/access.ts';
import type { Dialect } from '../dialect.ts';
import { bearerKey } from '../../edge/request-context.ts';
import { setUpJsonDialect } from '../json-dialect.ts';
import { registerPaygenticEntitlementRoutes } from './paygentic-entitlement-routes.ts';
import { paygenticError } from './paygentic-errors.ts';
import { registerPaygenticGrantRoutes } from './paygentic-grant-routes.ts';

/**
 * Paygentic's grants API (v1) over the same engine. The client accepts a
 * `serverURL` with a path prefix, so the dialect also mounts under
 * /compat/paygentic on the main port. See README.md in this folder for the
 * mapping (an entitlement is a wallet keyed `entitlement:<id>`).
 */
export const paygenticDialect: Dialect = {
  name: 'paygentic',
  acceptsBasePath: true,
  errorResponse: paygenticError,
  // Buying a grant is a purchase; granting and deleting grants are grants.
  scopeOf: (method, url) => readOrWrite(method, url.endsWith('/grants/purchase') ? 'purchases:write' : url.includes('/grants') ? 'grants:write' : undefined),
  async register(server: FastifyInstance, dependencies: AppDependencies, access: EdgeAccess) {
    setUpJsonDialect(server, access, {
      surface: 'paygentic',
      presentedKey: bearerKey,
      missingKeyMessage: 'Missing API key. Send it as `Authorization: Bearer <key>`.',
      errorResponse: paygenticError,
    });
    registerPaygenticEntitlementRoutes(server, dependencies);
    registerPaygenticGrantRoutes(server, dependencies);
  },
};

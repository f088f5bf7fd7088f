import { readOrWrite } from '../../edge/access.ts';
import { installErrorHandlers, pathOf, sendErrorResponse } from '../../edge/errors.ts';
import { headerValue } from '../../edge/request-context.ts';
import type { Dialect } from '../dialect.ts';
import { registerCreditBalanceRoutes } from './credit-balance-routes.ts';
import { registerCreditGrantRoutes } from './credit-grant-routes.ts';
import { registerCustomerRoutes } from './customer-routes.ts';
import { installFormParser } from './form-encoding.ts';
import { authenticateStripeRequest } from './stripe-auth.ts';
import { STRIPE_WORDING, stripeErrorResponse } from './stripe-errors.ts';

/**
 * Stripe's billing-credits API, as the official `stripe` client calls it, over
 * the same engine as the native API. The client's path prefix `/v1/` is fixed,
 * so this dialect is served at the root of its own port (`--stripe-port`).
 * See README.md in this folder for the mapping and what is left out.
 */
export const stripeDialect: Dialect = {
  name: 'stripe',
  acceptsBasePath: false,
  errorResponse: stripeErrorResponse,
  scopeOf: (method, url) => readOrWrite(method, url.startsWith('/v1/customers') ? 'customers:write' : url.startsWith('/v1/billing/credit_grants') ? 'grants:write' : undefined),
  async register(server, dependencies, access) {
    installFormParser(server);
    installErrorHandlers(server, {
      send: sendErrorResponse(stripeErrorResponse),
      notFound: (request) => `Unrecognized request URL (${request.method}: ${pathOf(request)}).`,
      wording: STRIPE_WORDING,
      logLabel: 'unhandled error in the stripe dialect',
    });
    server.addHook('onRequest', async (request, reply) => {
      const idempotencyKey = headerValue(request, 'idempotency-key');
      if (idempotencyKey !== undefined && request.method === 'POST') reply.header('Idempotency-Key', idempotencyKey);
      await authenticateStripeRequest(request, reply, access);
    });

    registerCustomerRoutes(server, dependencies);
    registerCreditGrantRoutes(server, dependencies);
    registerCreditBalanceRoutes(server, dependencies);
  },
};

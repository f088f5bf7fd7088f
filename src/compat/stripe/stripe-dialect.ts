import { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { Dialect } from '../dialect.ts';
import { registerCreditBalanceRoutes } from './credit-balance-routes.ts';
import { registerCreditGrantRoutes } from './credit-grant-routes.ts';
import { registerCustomerRoutes } from './customer-routes.ts';
import { installFormParser } from './form-encoding.ts';
import { authenticateStripeRequest } from './stripe-auth.ts';
import { stripeErrorResponse, toCreditbookError } from './stripe-errors.ts';

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
  async register(server, dependencies) {
    const authenticator = new ApiKeyAuthenticator(dependencies);
    installFormParser(server);

    server.setErrorHandler((error, request, reply) => {
      const mapped = toCreditbookError(error);
      if (mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error in the stripe dialect');
      const { status, body } = stripeErrorResponse(mapped);
      return reply.code(status).send(body);
    });
    server.setNotFoundHandler(async (request) => {
      throw new CreditbookError('not_found', `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}).`);
    });

    server.addHook('onRequest', async (request, reply) => {
      const requestId = dependencies.newId('req');
      reply.header('Request-Id', requestId);
      const idempotencyKey = request.headers['idempotency-key'];
      if (typeof idempotencyKey === 'string' && request.method === 'POST') reply.header('Idempotency-Key', idempotencyKey);
      const environment = await authenticateStripeRequest(authenticator, request.headers.authorization);
      request.stripeCaller = { context: { environment, requestId }, livemode: environment.mode === 'live' };
    });

    registerCustomerRoutes(server, dependencies);
    registerCreditGrantRoutes(server, dependencies);
    registerCreditBalanceRoutes(server, dependencies);
  },
};

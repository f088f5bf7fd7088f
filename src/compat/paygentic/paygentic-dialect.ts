import type { FastifyInstance } from 'fastify';
import { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { toCreditbookError } from '../../http/errors.ts';
import { parseJsonBody } from '../../http/json-body.ts';
import type { Dialect } from '../dialect.ts';
import { registerPaygenticEntitlementRoutes } from './paygentic-entitlement-routes.ts';
import { paygenticError, sendPaygenticError } from './paygentic-errors.ts';
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
  async register(server: FastifyInstance, dependencies: AppDependencies) {
    const authenticator = new ApiKeyAuthenticator(dependencies);
    server.removeAllContentTypeParsers();
    // Numbers are kept exactly as sent or rejected (json-body.ts): amounts never pass through a rounded double.
    server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    server.setErrorHandler((error, request, reply) => {
      const mapped = toCreditbookError(error);
      if (mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
      return sendPaygenticError(reply, mapped);
    });
    server.setNotFoundHandler((request, reply) =>
      sendPaygenticError(reply, new CreditbookError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
    );
    server.addHook('onRequest', async (request) => {
      const authorization = request.headers.authorization;
      const key = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
      if (!key) throw new CreditbookError('unauthenticated', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
      const environment = await authenticator.authenticate(key);
      request.creditbookContext = { environment, requestId: request.id };
    });
    registerPaygenticEntitlementRoutes(server, dependencies);
    registerPaygenticGrantRoutes(server, dependencies);
  },
};

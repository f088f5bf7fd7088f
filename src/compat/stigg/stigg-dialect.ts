import type { FastifyInstance } from 'fastify';
import { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { toCreditbookError } from '../../http/errors.ts';
import { parseJsonBody } from '../../http/json-body.ts';
import type { Dialect } from '../dialect.ts';
import { registerStiggConsumptionRoutes } from './stigg-consumption-routes.ts';
import { registerStiggCurrencyRoutes } from './stigg-currency-routes.ts';
import { sendStiggError, stiggError } from './stigg-errors.ts';
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
      return sendStiggError(reply, mapped);
    });
    server.setNotFoundHandler((request, reply) =>
      sendStiggError(reply, new CreditbookError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
    );
    server.addHook('onRequest', async (request) => {
      const header = request.headers['x-api-key'];
      const key = (Array.isArray(header) ? header[0] : header)?.trim();
      if (!key) throw new CreditbookError('unauthenticated', 'Missing API key. Send a Creditbook API key in the X-API-KEY header.');
      const environment = await authenticator.authenticate(key);
      request.creditbookContext = { environment, requestId: request.id };
    });
    registerStiggGrantRoutes(server, dependencies);
    registerStiggConsumptionRoutes(server, dependencies);
    registerStiggCurrencyRoutes(server, dependencies);
  },
};

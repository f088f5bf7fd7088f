import qs from 'qs';
import { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { parseJsonBody } from '../../http/json-body.ts';
import type { Dialect } from '../dialect.ts';
import { registerBalanceRoutes } from './balance-routes.ts';
import { authenticateChargebee } from './chargebee-auth.ts';
import { chargebeeErrorBody, sendChargebeeError, toChargebeeError } from './chargebee-errors.ts';
import { registerCreditUnitRoutes } from './credit-unit-routes.ts';
import { registerGrantRoutes } from './grant-routes.ts';
import { registerLedgerOperationRoutes } from './ledger-operation-routes.ts';

/**
 * Chargebee's credit API (`/api/v2/...`), as the official `chargebee` client
 * calls it: `new Chargebee({ site, hostSuffix: '', protocol: 'http', port, apiKey })`
 * with a Creditbook API key as apiKey. The client cannot add a path prefix, so
 * this dialect is served at the root of its own port (`--chargebee-port`).
 * See README.md in this folder for how Chargebee's objects map onto wallets.
 */
export const chargebeeDialect: Dialect = {
  name: 'chargebee',
  acceptsBasePath: false,
  async register(server, dependencies) {
    const authenticator = new ApiKeyAuthenticator(dependencies);
    server.removeAllContentTypeParsers();
    // Credit endpoints send JSON; numbers that no double holds exactly are refused (amounts are strings anyway).
    server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    // Older resources (credit_units) send form bodies with bracketed keys.
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, qs.parse(body as string, { depth: 5, arrayLimit: 100, parameterLimit: 1000 }));
    });
    server.setErrorHandler((error, request, reply) => {
      const mapped = toChargebeeError(error);
      if (mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error in the chargebee dialect');
      return sendChargebeeError(reply, mapped);
    });
    server.setNotFoundHandler((request, reply) =>
      sendChargebeeError(reply, new CreditbookError('not_found', `Sorry, the resource ${request.method} ${request.url.split('?')[0]} is not available here.`)),
    );
    server.addHook('onRequest', async (request) => {
      request.creditbookContext = await authenticateChargebee(request, authenticator);
    });
    registerCreditUnitRoutes(server, dependencies);
    registerGrantRoutes(server, dependencies);
    registerLedgerOperationRoutes(server, dependencies);
    registerBalanceRoutes(server, dependencies);
  },
  errorResponse(error) {
    const body = chargebeeErrorBody(error);
    return { status: body.http_status_code, body };
  },
};

import qs from 'qs';
import type { Scope } from '../../app/scopes.ts';
import { readOrWrite } from '../../edge/access.ts';
import { installErrorHandlers, pathOf, sendErrorResponse } from '../../edge/errors.ts';
import { parseJsonBody } from '../../edge/json-body.ts';
import { formBodyNotUtf8, jsonBodyNotUtf8, refuseUndecodableEscapes, utf8BodyText } from '../../edge/utf8-text.ts';
import type { Dialect } from '../dialect.ts';
import { registerBalanceRoutes } from './balance-routes.ts';
import { authenticateChargebee } from './chargebee-auth.ts';
import { CHARGEBEE_WORDING, chargebeeErrorResponse } from './chargebee-errors.ts';
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
  scopeOf: (method, url) => readOrWrite(method, chargebeeWriteScope(url)),
  async register(server, dependencies, access) {
    server.removeAllContentTypeParsers();
    // Credit endpoints send JSON; numbers that no double holds exactly are refused (amounts are strings anyway).
    server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(utf8BodyText(body as Buffer, jsonBodyNotUtf8)));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    // Older resources (credit_units) send form bodies with bracketed keys.
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        const text = utf8BodyText(body as Buffer, formBodyNotUtf8);
        refuseUndecodableEscapes(text, 'body');
        done(null, qs.parse(text, { depth: 5, arrayLimit: 100, parameterLimit: 1000 }));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    installErrorHandlers(server, {
      send: sendErrorResponse(chargebeeErrorResponse),
      notFound: (request) => `Sorry, the resource ${request.method} ${pathOf(request)} is not available here.`,
      wording: CHARGEBEE_WORDING,
      logLabel: 'unhandled error in the chargebee dialect',
    });
    server.addHook('onRequest', async (request, reply) => {
      await authenticateChargebee(request, reply, access);
    });
    registerCreditUnitRoutes(server, dependencies);
    registerGrantRoutes(server, dependencies);
    registerLedgerOperationRoutes(server, dependencies);
    registerBalanceRoutes(server, dependencies);
  },
  errorResponse: chargebeeErrorResponse,
};

/** Credit units are the customer-side setup; allocations are grants; the rest of the ledger operations spend. */
function chargebeeWriteScope(url: string): Scope | undefined {
  if (url.startsWith('/api/v2/credit_units')) return 'customers:write';
  if (url.startsWith('/api/v2/promotional_grants') || url === '/api/v2/ledger_operations/allocate') return 'grants:write';
  if (url.startsWith('/api/v2/ledger_operations/')) return 'debits:write';
  return undefined;
}

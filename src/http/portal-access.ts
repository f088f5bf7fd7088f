import type { FastifyRequest } from 'fastify';
import { authenticatePortalToken, PORTAL_TOKEN_PREFIX } from '../app/portal-sessions.ts';
import type { AppDependencies, RequestContext } from '../app/dependencies.ts';
import { CreditbookError, notFound } from '../domain/errors.ts';

/**
 * What a portal token may call: reads of its own customer's credits and buying
 * an offered pack. `customer` routes are scoped by their `customerId` query
 * parameter: absent, it is set to the session's customer; another customer's
 * ID is a 404, exactly as if that customer did not exist. Every other route is
 * a 403, so a portal token can never grant, debit or read other customers.
 */
const PORTAL_ROUTES: Record<string, 'customer' | 'session'> = {
  'GET /v1/balances': 'customer',
  'GET /v1/balances/history': 'customer',
  'GET /v1/balances/runway': 'customer',
  'GET /v1/wallets': 'customer',
  'GET /v1/grants': 'customer',
  'GET /v1/ledger-entries': 'customer',
  'GET /v1/debits': 'customer',
  'GET /v1/purchases': 'customer',
  'GET /v1/invoices': 'customer',
  'GET /v1/units': 'session',
  'GET /v1/portal-session': 'session',
  'POST /v1/portal-session/purchases': 'session',
};

export function isPortalToken(bearer: string | undefined): bearer is string {
  return bearer?.startsWith(PORTAL_TOKEN_PREFIX) ?? false;
}

/** Authenticates a portal token and refuses any route it may not call (onRequest: before the body is read). */
export async function portalContext(dependencies: AppDependencies, request: FastifyRequest, token: string): Promise<RequestContext> {
  const { environment, session } = await authenticatePortalToken(dependencies, token);
  if (!PORTAL_ROUTES[`${request.method} ${request.routeOptions.url}`]) {
    throw new CreditbookError('forbidden', "A portal session can only read its own customer's credits and buy the packs offered; this needs an API key.");
  }
  return { environment, requestId: request.id, portalSession: session };
}

/** Pins a portal request's `customerId` to the session's customer (preValidation: the query is parsed, not yet validated). */
export function scopeToPortalCustomer(request: FastifyRequest): void {
  const session = request.creditbookContext?.portalSession;
  if (!session || PORTAL_ROUTES[`${request.method} ${request.routeOptions.url}`] !== 'customer') return;
  const query = request.query as Record<string, unknown>;
  if (query.customerId === undefined) query.customerId = session.customerId;
  else if (query.customerId !== session.customerId) throw notFound('customer', String(query.customerId), 'customerId');
}

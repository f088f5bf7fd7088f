import type { FastifyRequest } from 'fastify';
import { authenticatePortalToken, PORTAL_TOKEN_PREFIX } from '../app/portal-sessions.ts';
import type { AppDependencies, RequestContext } from '../app/dependencies.ts';
import { CreditbookError, notFound } from '../domain/errors.ts';
import type { PortalSessionRecord } from '../store/payment-records.ts';

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

/** Whether a route (as Fastify's onRoute names it) is one a portal token reads by customer. */
export function isPortalCustomerRoute(method: string | string[], url: string): boolean {
  return [method].flat().some((one) => PORTAL_ROUTES[`${one} ${url}`] === 'customer');
}

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

/**
 * Gives a portal request that names no customer the session's own (preValidation: the query is parsed, not yet
 * validated, and a route may require `customerId`). A customer it does name is compared only once the query has
 * passed every check an API key's request passes (`refuseOtherPortalCustomer`), so a bad value is the same 400.
 */
export function scopeToPortalCustomer(request: FastifyRequest): void {
  const session = portalCustomerSession(request);
  if (!session) return;
  const query = request.query as Record<string, unknown>;
  if (query.customerId === undefined) query.customerId = session.customerId;
}

/**
 * Answers another customer's ID with the 404 an unknown customer gets (preHandler: the query is validated).
 * Not before: NUL, an undecodable escape, a duplicate or an over-long ID would then be a 404, not the 400
 * naming `customerId` that the same query gets with an API key.
 */
export function refuseOtherPortalCustomer(request: FastifyRequest): void {
  const session = portalCustomerSession(request);
  if (!session) return;
  const customerId = (request.query as Record<string, unknown>).customerId;
  if (customerId !== session.customerId) throw notFound('customer', String(customerId), 'customerId');
}

function portalCustomerSession(request: FastifyRequest): PortalSessionRecord | undefined {
  const session = request.creditbookContext?.portalSession;
  return session && PORTAL_ROUTES[`${request.method} ${request.routeOptions.url}`] === 'customer' ? session : undefined;
}

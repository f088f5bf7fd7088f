import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../app/api-keys.ts';
import type { RequestContext } from '../app/dependencies.ts';
import { assertScope } from '../app/scopes.ts';
import { CreditbookError } from '../domain/errors.ts';
import type { EdgeAccess } from './access.ts';
import { enforceRateLimit } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the edge's authentication hook: the environment the key names, and this request's ID. */
    creditbookContext?: RequestContext;
  }
}

/** The context the edge's authentication hook made for this request. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.creditbookContext) throw new CreditbookError('unauthenticated', 'Missing API key.');
  return request.creditbookContext;
}

interface AuthenticationOptions {
  access: EdgeAccess;
  key: string | undefined;
  missing?: string;
  invalid?: (key: string) => string;
  surface?: string;
  /** Another credential the edge accepts (a portal token): its context, or undefined when `key` is not one. */
  otherCredential?: (key: string) => Promise<RequestContext> | undefined;
}

/**
 * What every edge does with the API key its client presented, in this order:
 * resolve it to one environment (401), apply the per-key rate limit shared by
 * every surface of the node (429 with Retry-After), check the scope the route
 * needs (403 naming it), and make the request's context, whose actor every
 * write audits. Each edge words its own errors: `missing` for no key, `invalid`
 * for an unknown or revoked one (default: the authenticator's). `surface`
 * prefixes the audited operation of a dialect (`stripe:POST /v1/billing/credit_grants`).
 *
 * A key the authenticator remembers is answered at once, without a promise
 * (most requests: a hook can go on in the same turn); otherwise the result is
 * a promise. Either way, a refusal is thrown (or rejected) as a CreditbookError.
 */
export function authenticateRequest(request: FastifyRequest, reply: FastifyReply, options: AuthenticationOptions): RequestContext | Promise<RequestContext> {
  const { key, access } = options;
  if (!key && options.missing !== undefined) throw new CreditbookError('unauthenticated', options.missing);
  const other = key ? options.otherCredential?.(key) : undefined;
  if (other) {
    // A portal token may call only its few routes (http/portal-access.ts), so it holds no scopes to check; its writes are audited under its session's ID.
    return other.then((base) => contextFor(request, reply, options, { environment: base.environment, apiKeyId: base.portalSession?.id ?? 'portal', scopes: ['all'] }, base));
  }
  const authenticated = authenticatedKey(access, key, options.invalid);
  return authenticated instanceof Promise ? authenticated.then((found) => contextFor(request, reply, options, found)) : contextFor(request, reply, options, authenticated);
}

function contextFor(request: FastifyRequest, reply: FastifyReply, options: AuthenticationOptions, authenticated: AuthenticatedKey, base?: RequestContext): RequestContext {
  if (options.access.rateLimiter) enforceRateLimit(options.access.rateLimiter, authenticated.apiKeyId, reply);
  const { url, config } = request.routeOptions;
  const route = `${request.method} ${url ?? request.url.split('?')[0]}`;
  // A request that matched no route has no scope to check: it gets the surface's 404.
  if (config.scope !== undefined) assertScope(authenticated.scopes, config.scope, route);
  const own = {
    environment: authenticated.environment,
    requestId: request.id,
    externalChanges: authenticated.externalChanges,
    actor: {
      apiKeyId: authenticated.apiKeyId,
      scopes: authenticated.scopes,
      operation: options.surface ? `${options.surface}:${route}` : route,
      clientAddress: request.ip,
    },
  };
  // A portal request's context extends its session's; not `{ ...base, … }`, which Node 20 builds on its slow path when base is set.
  const context: RequestContext = base === undefined ? own : Object.assign({}, base, own);
  request.creditbookContext = context;
  return context;
}

/** The authenticator's answer (at once for a remembered key), its refusal worded by `invalid` where the edge gives one. */
function authenticatedKey(access: EdgeAccess, key: string | undefined, invalid: ((key: string) => string) | undefined): AuthenticatedKey | Promise<AuthenticatedKey> {
  const reword = (error: unknown): never => {
    if (invalid && error instanceof CreditbookError && error.code === 'unauthenticated') throw new CreditbookError('unauthenticated', invalid(key ?? ''));
    throw error;
  };
  try {
    const answer = access.authenticator.resolve(key);
    return answer instanceof Promise ? answer.catch(reword) : answer;
  } catch (error) {
    return reword(error);
  }
}

/**
 * The credentials of `Authorization: Bearer <key>`. The scheme is
 * case-insensitive (RFC 9110 §11.1), so `bearer` and `BEARER` work too.
 */
export function bearerKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  const match = authorization === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

/** A header's first value. */
export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

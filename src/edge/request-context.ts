import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyAuthenticator } from '../app/api-keys.ts';
import type { RequestContext } from '../app/dependencies.ts';
import { CreditbookError } from '../domain/errors.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import { enforceRateLimit, type RateLimiter } from './rate-limit.ts';

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

/**
 * What every edge does with the API key its client presented: resolve it to
 * one environment, apply the per-key rate limit (when the edge has one), and
 * make the request's context. Each edge words its own errors: `missing` for no
 * key, `invalid` for an unknown or revoked one (default: the authenticator's).
 */
export async function authenticateRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    authenticator: ApiKeyAuthenticator;
    key: string | undefined;
    missing?: string;
    invalid?: (key: string) => string;
    rateLimiter?: RateLimiter | undefined;
    /** Another credential the edge accepts (a portal token): its context, or undefined when `key` is not one. */
    otherCredential?: (key: string) => Promise<RequestContext> | undefined;
  },
): Promise<RequestContext> {
  const { key } = options;
  if (!key && options.missing !== undefined) throw new CreditbookError('unauthenticated', options.missing);
  const other = key ? options.otherCredential?.(key) : undefined;
  const context = other ? await other : { environment: await environmentOf(options.authenticator, key, options.invalid), requestId: request.id };
  if (options.rateLimiter) enforceRateLimit(options.rateLimiter, key!, reply);
  request.creditbookContext = context;
  return context;
}

async function environmentOf(authenticator: ApiKeyAuthenticator, key: string | undefined, invalid: ((key: string) => string) | undefined): Promise<EnvironmentRecord> {
  try {
    return await authenticator.authenticate(key);
  } catch (error) {
    if (invalid && error instanceof CreditbookError && error.code === 'unauthenticated') throw new CreditbookError('unauthenticated', invalid(key ?? ''));
    throw error;
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

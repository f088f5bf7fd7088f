import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies, RequestContext } from '../app/dependencies.ts';
import { fingerprintOf, type IdempotencyRequest, type Outcome } from '../app/idempotency.ts';
import type { ApiKeyAuthenticator } from '../app/api-keys.ts';
import { CreditbookError, validationError } from '../domain/errors.ts';
import type { PageRequest } from '../store/records.ts';

export interface RouteDependencies {
  app: AppDependencies;
  authenticator: ApiKeyAuthenticator;
}

declare module 'fastify' {
  interface FastifyRequest {
    creditbookContext?: RequestContext;
  }
}

export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.creditbookContext) throw new CreditbookError('unauthenticated', 'Missing API key.');
  return request.creditbookContext;
}

/**
 * The idempotency key comes from the `Idempotency-Key` header or an
 * `idempotencyKey` body field (they must agree). The fingerprint covers the
 * route, its path parameters and the body without the key itself.
 */
export function idempotencyOf(request: FastifyRequest, operation: string): IdempotencyRequest | undefined {
  const header = request.headers['idempotency-key'];
  const headerKey = Array.isArray(header) ? header[0] : header;
  const body = (request.body ?? {}) as Record<string, unknown>;
  const bodyKey = typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
  if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
    throw validationError('idempotencyKey', 'The Idempotency-Key header and the idempotencyKey field differ.');
  }
  const key = headerKey ?? bodyKey;
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > 255) throw validationError('idempotencyKey', 'An idempotency key has 1 to 255 characters.');
  const { idempotencyKey: _ignored, ...rest } = body;
  return { key, fingerprint: fingerprintOf(operation, { params: request.params, body: rest }) };
}

export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.code(outcome.status).send(outcome.body);
}

export function pageOf(query: { limit?: string; startingAfter?: string }): PageRequest {
  return { limit: query.limit === undefined ? 10 : Number(query.limit), startingAfter: query.startingAfter ?? null };
}

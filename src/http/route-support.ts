import type { FastifyRequest } from 'fastify';
import type { BatchItemResult } from '../app/batch.ts';
import { errorBody, nativeErrorStatus } from './errors.ts';
import type { ApiKeyAuthenticator } from '../app/api-keys.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import type { IdempotencyRequest, Outcome } from '../app/idempotency.ts';
import { validationError } from '../domain/errors.ts';
import { idempotencyRequest, MAX_IDEMPOTENCY_KEY_LENGTH } from '../edge/idempotency-key.ts';
import { headerValue } from '../edge/request-context.ts';
import type { PageRequest } from '../store/records.ts';

export interface RouteDependencies {
  app: AppDependencies;
  authenticator: ApiKeyAuthenticator;
}

/**
 * The idempotency key comes from the `Idempotency-Key` header or an
 * `idempotencyKey` body field (they must agree). The fingerprint covers the
 * route, its path parameters and the body without the key itself.
 */
export function idempotencyOf(request: FastifyRequest, operation: string): IdempotencyRequest | undefined {
  const headerKey = headerValue(request, 'idempotency-key');
  const body = (request.body ?? {}) as Record<string, unknown>;
  const bodyKey = typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
  if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
    throw validationError('idempotencyKey', 'The Idempotency-Key header and the idempotencyKey field differ.');
  }
  const key = headerKey ?? bodyKey;
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw validationError('idempotencyKey', `An idempotency key has 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
  const { idempotencyKey: _ignored, ...rest } = body;
  return idempotencyRequest(key, operation, { params: request.params, body: rest });
}

export function pageOf(query: { limit?: number; startingAfter?: string }): PageRequest {
  return { limit: query.limit ?? 10, startingAfter: query.startingAfter ?? null };
}

/** A batch's answer: 200 with `{object:"list", data:[{status:"succeeded", …} | {status:"failed", httpStatus, error}]}`, in request order. */
export function batchResultsView(results: readonly BatchItemResult[], requestId: string, succeeded: (outcome: Outcome) => Record<string, unknown>) {
  return {
    object: 'list',
    data: results.map((result) =>
      'outcome' in result
        ? { status: 'succeeded', ...succeeded(result.outcome) }
        : { status: 'failed', httpStatus: nativeErrorStatus[result.error.code].status, ...errorBody(result.error, requestId) },
    ),
    hasMore: false,
  };
}

import type { FastifyRequest } from 'fastify';
import { fingerprintOf, type IdempotencyRequest } from '../app/idempotency.ts';
import type { CreditbookError } from '../domain/errors.ts';
import { headerValue } from './request-context.ts';

/** The key every edge accepts unless its vendor documents another limit. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The idempotency key a client sent in a header (`Idempotency-Key` unless the
 * edge's vendor uses another), or undefined. An empty or over-long key is the
 * edge's own error, before anything is written.
 */
export function idempotencyKeyHeader(
  request: FastifyRequest,
  options: { header?: string; maxLength?: number; invalid: () => CreditbookError },
): string | undefined {
  const key = headerValue(request, options.header ?? 'idempotency-key');
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > (options.maxLength ?? MAX_IDEMPOTENCY_KEY_LENGTH)) throw options.invalid();
  return key;
}

/**
 * An idempotency request: the key, and a fingerprint of what the request asks
 * for (the operation and its parameters); the same key with another fingerprint
 * is a conflict.
 */
export function idempotencyRequest(key: string, operation: string, parameters: unknown): IdempotencyRequest {
  return { key, fingerprint: fingerprintOf(operation, parameters) };
}

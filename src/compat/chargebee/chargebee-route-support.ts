import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyRequest, Outcome } from '../../app/idempotency.ts';
import { idempotencyKeyHeader, idempotencyRequest } from '../../edge/idempotency-key.ts';
import { sendOutcome as sendEdgeOutcome } from '../../edge/outcome.ts';
import { parameterError } from './chargebee-errors.ts';

export const IDEMPOTENCY_HEADER = 'chargebee-idempotency-key';
export const REPLAYED_HEADER = 'chargebee-idempotency-replayed';
/** "Idempotency keys can be up to 100 characters in length." */
const MAX_IDEMPOTENCY_KEY_LENGTH = 100;

/**
 * The `chargebee-idempotency-key` header. Chargebee scopes keys per endpoint,
 * so the key Creditbook stores is prefixed with the operation: the same key on
 * another endpoint (or on the native API) is another key. The fingerprint covers
 * the operation and every parameter sent.
 */
export function idempotencyOf(request: FastifyRequest, operation: string, parameters: unknown): IdempotencyRequest | undefined {
  const key = idempotencyKeyHeader(request, {
    header: IDEMPOTENCY_HEADER,
    maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
    invalid: () => parameterError(IDEMPOTENCY_HEADER, `The ${IDEMPOTENCY_HEADER} header must have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`),
  });
  return key === undefined ? undefined : idempotencyRequest(`chargebee:${operation}:${key}`, `chargebee.${operation}`, parameters);
}

/** Sends a use case's outcome; a replay says so in the header the Chargebee client reads (`isIdempotencyReplayed`). */
export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  return sendEdgeOutcome(reply, outcome, REPLAYED_HEADER);
}

export function listBody<Item>(items: Item[], nextOffset: string | undefined): { list: Item[]; next_offset?: string } {
  return nextOffset === undefined ? { list: items } : { list: items, next_offset: nextOffset };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { fingerprintOf, type IdempotencyRequest, type Outcome } from '../../app/idempotency.ts';
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
  const header = request.headers[IDEMPOTENCY_HEADER];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw parameterError(IDEMPOTENCY_HEADER, `The ${IDEMPOTENCY_HEADER} header must have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
  }
  return { key: `chargebee:${operation}:${key}`, fingerprint: fingerprintOf(`chargebee.${operation}`, parameters) };
}

/** Sends a use case's outcome; a replay says so in the header the Chargebee client reads (`isIdempotencyReplayed`). */
export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.replayed) reply.header(REPLAYED_HEADER, 'true');
  return reply.code(outcome.status).send(outcome.body);
}

export function listBody<Item>(items: Item[], nextOffset: string | undefined): { list: Item[]; next_offset?: string } {
  return nextOffset === undefined ? { list: items } : { list: items, next_offset: nextOffset };
}

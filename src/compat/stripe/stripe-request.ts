import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../app/dependencies.ts';
import { fingerprintOf, type IdempotencyRequest, type Outcome } from '../../app/idempotency.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { stripeParameterError } from './stripe-errors.ts';

/** What a Stripe request acts as: a Creditbook environment, and whether that is Stripe's live mode. */
export interface StripeCaller {
  context: RequestContext;
  livemode: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    stripeCaller?: StripeCaller;
  }
}

export function callerOf(request: FastifyRequest): StripeCaller {
  if (!request.stripeCaller) throw new CreditbookError('unauthenticated', 'You did not provide an API key.');
  return request.stripeCaller;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Stripe's idempotency: the `Idempotency-Key` header (the official client sends
 * one on every POST). The fingerprint is the operation, its path parameters and
 * every parameter sent, so the same key with the same parameters replays the first
 * response and the same key with other parameters is Stripe's `idempotency_error`.
 */
export function idempotencyOf(request: FastifyRequest, operation: string): IdempotencyRequest | undefined {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw stripeParameterError('Idempotency-Key', `Idempotency keys have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
  }
  return { key, fingerprint: fingerprintOf(`stripe.${operation}`, { path: request.params ?? {}, params: request.body ?? {} }) };
}

/** Sends an outcome of a write; a replay says so with Stripe's `Idempotent-Replayed: true`. */
export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.code(outcome.status).send(outcome.body);
}

/** Runs a lookup, answering Stripe's "No such …" (with the Stripe ID, never ours) when the object is missing. */
export async function orNoSuch<Result>(lookup: () => Promise<Result>, missing: () => CreditbookError): Promise<Result> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'not_found') throw missing();
    throw error;
  }
}

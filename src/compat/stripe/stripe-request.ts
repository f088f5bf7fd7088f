import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../../app/dependencies.ts';
import type { IdempotencyRequest } from '../../app/idempotency.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { idempotencyKeyHeader, idempotencyRequest, MAX_IDEMPOTENCY_KEY_LENGTH } from '../../edge/idempotency-key.ts';
import { contextOf } from '../../edge/request-context.ts';
import { stripeParameterError } from './stripe-errors.ts';

/** What a Stripe request acts as: a Creditbook environment, and whether that is Stripe's live mode. */
export interface StripeCaller {
  context: RequestContext;
  livemode: boolean;
}

export function callerOf(request: FastifyRequest): StripeCaller {
  const context = contextOf(request);
  return { context, livemode: context.environment.mode === 'live' };
}

/**
 * Stripe's idempotency: the `Idempotency-Key` header (the official client sends
 * one on every POST). The fingerprint is the operation, its path parameters and
 * every parameter sent, so the same key with the same parameters replays the first
 * response and the same key with other parameters is Stripe's `idempotency_error`.
 */
export function idempotencyOf(request: FastifyRequest, operation: string): IdempotencyRequest | undefined {
  const key = idempotencyKeyHeader(request, {
    invalid: () => stripeParameterError('Idempotency-Key', `Idempotency keys have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`),
  });
  return key === undefined ? undefined : idempotencyRequest(key, `stripe.${operation}`, { path: request.params ?? {}, params: request.body ?? {} });
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

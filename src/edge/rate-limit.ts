import type { FastifyReply } from 'fastify';
import { CreditbookError } from '../domain/errors.ts';

/**
 * A token bucket per API key: `perSecond` requests a second on average, in
 * bursts of up to `perSecond`. In-process, so the limit applies per node;
 * behind a load balancer with N nodes a key gets up to N times the rate.
 * Returns 0 when the request may proceed, else how long to wait, in ms.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly perSecond: number) {}

  take(key: string, now: number): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.perSecond, updatedAt: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    if (this.buckets.size > 100_000) this.buckets.clear();
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }
}

/** Takes a token for `key`; past the rate, answers 429 `rate_limited` with `Retry-After` (whole seconds). */
export function enforceRateLimit(limiter: RateLimiter, key: string, reply: FastifyReply, now: number = Date.now()): void {
  const waitMs = limiter.take(key, now);
  if (waitMs <= 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  reply.header('Retry-After', String(seconds));
  throw new CreditbookError('rate_limited', `Too many requests for this API key; retry after ${seconds} s.`);
}

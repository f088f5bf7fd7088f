import { createHash } from 'node:crypto';
import { CreditbookError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';

/** Other keys are kept for 24 hours; grant keys are kept forever (DESIGN.md §1). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyRequest {
  key: string;
  /** A hash of what the request asks for; the same key with another fingerprint is a conflict. */
  fingerprint: string;
}

/** A response as the edge will send it; stored verbatim for replays. */
export interface Presented {
  status: number;
  body: unknown;
}

export interface Outcome extends Presented {
  replayed: boolean;
}

export function fingerprintOf(operation: string, request: unknown): string {
  return createHash('sha256').update(operation).update('\u0000').update(stableStringify(request)).digest('hex');
}

/** Returns the stored response for a replay, throws on a conflicting reuse, or undefined when the key is new. */
export async function findReplay(input: {
  repository: Repository;
  environmentId: string;
  scope: string;
  request: IdempotencyRequest;
}): Promise<Outcome | undefined> {
  const stored = await input.repository.idempotency.get(input.environmentId, input.scope, input.request.key);
  if (!stored) return undefined;
  if (stored.fingerprint !== input.request.fingerprint) {
    throw new CreditbookError(
      'idempotency_conflict',
      `Idempotency key '${input.request.key}' was already used with a different request.`,
      { param: 'idempotencyKey' },
    );
  }
  return { status: stored.status, body: JSON.parse(stored.body), replayed: true };
}

export async function rememberResponse(input: {
  repository: Repository;
  environmentId: string;
  scope: string;
  request: IdempotencyRequest;
  response: Presented;
  now: Instant;
  keepForever: boolean;
}): Promise<void> {
  await input.repository.idempotency.insert({
    environmentId: input.environmentId,
    scope: input.scope,
    key: input.request.key,
    fingerprint: input.request.fingerprint,
    status: input.response.status,
    body: JSON.stringify(input.response.body),
    createdAt: input.now,
    expiresAt: input.keepForever ? null : input.now + IDEMPOTENCY_RETENTION_MS,
  });
}

function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
}

/** Deletes idempotency records past their retention (grant keys are never deleted); the background sweep calls it. */
export function purgeExpiredIdempotencyKeys(dependencies: AppDependencies): Promise<number> {
  return dependencies.store.transaction((repository) => repository.idempotency.deleteExpired(dependencies.clock.now()));
}

import { createHash } from 'node:crypto';
import { formatAmount, parseAmount } from '../domain/amount.ts';
import { CreditbookError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';

/** Other keys are kept for 24 hours; grant keys are kept forever (docs/semantics.md#idempotency-and-concurrency). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyRequest {
  key: string;
  /** A hash of what the request asks for; the same key with another fingerprint is a conflict. */
  fingerprint: string;
  /** The key the caller sent, when `key` is derived from it (a batch item's `<key>:<i>`): what a conflict names. */
  shownKey?: string;
  /**
   * Fingerprints an earlier release computed for this same request, before the way it is fingerprinted
   * changed (`withEarlierFingerprints`): a record stored with one of them is this request, so a retry
   * across the upgrade replays instead of conflicting.
   */
  alsoMatches?: readonly string[];
}

/** A wallet operation's idempotency (wallet-operation.ts): the request's key and fingerprint, kept per environment or per wallet. */
export type ScopedIdempotency = IdempotencyRequest & { scope: 'wallet' | 'environment' | 'usage-event' };

/** `{ idempotency }` with `scope` when the request carries a key, else `{}`: spread it into a wallet operation. */
export function idempotencyIn(scope: ScopedIdempotency['scope'], request: IdempotencyRequest | undefined): { idempotency?: ScopedIdempotency } {
  if (!request) return {};
  const idempotency: ScopedIdempotency = { key: request.key, fingerprint: request.fingerprint, scope };
  // Only when set: a debit's key (the hot path) carries neither, and its object keeps the literal's shape.
  if (request.shownKey !== undefined) idempotency.shownKey = request.shownKey;
  if (request.alsoMatches !== undefined) idempotency.alsoMatches = request.alsoMatches;
  return { idempotency };
}

/**
 * `request` accepting the fingerprints `fingerprintOf(operation, …)` gives `earlierParameters`: the
 * parameters as an earlier release fingerprinted them, for a route whose fingerprint has since changed
 * (a field's explicit null or `{}` now fingerprints as the field left out). The earlier record may be
 * kept forever (grant keys), so this stays as long as such records can exist. Spellings that give the
 * request's own fingerprint add nothing.
 */
export function withEarlierFingerprints(request: IdempotencyRequest, operation: string, ...earlierParameters: unknown[]): IdempotencyRequest {
  const earlier = earlierParameters.map((parameters) => fingerprintOf(operation, parameters)).filter((fingerprint) => fingerprint !== request.fingerprint);
  return earlier.length === 0 ? request : Object.assign({}, request, { alsoMatches: [...new Set(earlier)] });
}

/** Whether a stored record's fingerprint is this request's: today's, or one an earlier release gave it. */
function isSameRequest(storedFingerprint: string, request: IdempotencyRequest): boolean {
  return storedFingerprint === request.fingerprint || (request.alsoMatches?.includes(storedFingerprint) ?? false);
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
  if (!isSameRequest(stored.fingerprint, input.request)) {
    throw new CreditbookError(
      'idempotency_conflict',
      `Idempotency key '${input.request.shownKey ?? input.request.key}' was already used with a different request.`,
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

/**
 * Binds a key to one request before work that runs in transactions of its own (a debit batch, whose
 * items each keep their own record), in a transaction of its own, through the same records (scope
 * `environment`, kept 24 hours): throws `idempotency_conflict`, naming the key, when it was used with
 * another request; otherwise records `marker` under it unless this request already did. Two requests
 * that claim one key at once are ordered by the record's unique key: on PostgreSQL the loser's INSERT
 * waits for the winner and its transaction runs again (a unique violation), seeing the winner's record;
 * SQLite runs one write transaction at a time. Returns whether the key was already claimed.
 */
export function claimIdempotencyKey(
  dependencies: AppDependencies,
  input: { context: RequestContext; request: IdempotencyRequest; marker: Presented },
): Promise<boolean> {
  const environmentId = input.context.environment.id;
  return dependencies.store.transaction(async (repository) => {
    const scope = 'environment';
    if (await findReplay({ repository, environmentId, scope, request: input.request })) return true;
    const now = currentTime(dependencies, input.context.environment);
    await rememberResponse({ repository, environmentId, scope, request: input.request, response: input.marker, now, keepForever: false });
    return false;
  });
}

/**
 * Gives back a claim (`claimIdempotencyKey`) whose work booked nothing, so the key may be used again, as a
 * request refused before anything was written leaves it free: only while the claim is still this request's and
 * none of `itemKeys` (the records the work's parts make when they book) exists, which also keeps a claim that an
 * identical request running at the same time booked under.
 */
export function releaseIdempotencyClaim(
  dependencies: AppDependencies,
  input: { context: RequestContext; request: IdempotencyRequest; itemKeys: readonly string[] },
): Promise<void> {
  const environmentId = input.context.environment.id;
  return dependencies.store.transaction(async (repository) => {
    const claim = await repository.idempotency.get(environmentId, 'environment', input.request.key);
    if (!claim || !isSameRequest(claim.fingerprint, input.request)) return;
    for (const key of input.itemKeys) if (await repository.idempotency.get(environmentId, 'environment', key)) return;
    await repository.idempotency.delete(environmentId, 'environment', input.request.key);
  });
}

/**
 * Parameters that hold amounts: a retry that spells one otherwise ("12.50", 12.5,
 * "1.25e1" for "12.5") asks for the same thing, so they are compared by value.
 */
const AMOUNT_PARAMETERS = new Set(['amount', 'overdraftLimit', 'resetMaxRollover', 'resetMinRollover', 'threshold', 'price']);

/** An amount's one spelling; anything that is not an amount stays as sent (and is refused later). */
function canonicalAmount(value: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  try {
    return formatAmount(parseAmount(value, { positive: false }));
  } catch {
    return value;
  }
}

function stableStringify(value: unknown, key?: string): string {
  if (key !== undefined && AMOUNT_PARAMETERS.has(key)) value = canonicalAmount(value);
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${stableStringify(item, name)}`).join(',')}}`;
}

/** Expired idempotency records deleted per transaction: a purge never holds the writer (or, on SQLite, the event loop) for long. */
export const PURGE_CHUNK = 1000;

/**
 * Deletes idempotency records past their retention (grant keys are never
 * deleted), `chunk` at a time, each chunk its own transaction, so other writes
 * run between them however many expired (a day's keys after a day's downtime);
 * the background sweep calls it once a minute. Returns how many it deleted.
 */
export async function purgeExpiredIdempotencyKeys(dependencies: AppDependencies, chunk = PURGE_CHUNK): Promise<number> {
  const now = dependencies.clock.now();
  let deleted = 0;
  for (;;) {
    const count = await dependencies.store.transaction((repository) => repository.idempotency.deleteExpired(now, chunk));
    deleted += count;
    if (count < chunk) return deleted;
  }
}

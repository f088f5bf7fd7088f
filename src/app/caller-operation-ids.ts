import { CreditbookError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import type { Outcome, Presented } from './idempotency.ts';

/**
 * A caller's own id for an operation (Chargebee's optional ledger operation
 * `id`). Unique per wallet and kept forever: the first request books the
 * operation and records the id, its fingerprint and the response in the same
 * transaction; a repeat with the same fingerprint answers that response and
 * books nothing; with another fingerprint it is a conflict. The wallet's row
 * lock orders two requests with one id, so exactly one books.
 */
export interface CallerOperationId {
  id: string;
  /** What the request asks for (see `fingerprintOf`); compared forever, unlike an idempotency key. */
  fingerprint: string;
}

/** A release has no object of its own; its operation is named after the hold it ends. */
export function releaseOperationId(holdId: string): string {
  return `rel_${holdId}`;
}

/** The first response for this id on a locked wallet, a conflict, or undefined when the id is new. */
export async function findCallerOperation(repository: Repository, wallet: WalletRecord, caller: CallerOperationId): Promise<Outcome | undefined> {
  const stored = await repository.callerOperationIds.get(wallet.id, caller.id);
  if (!stored) return undefined;
  if (stored.fingerprint !== caller.fingerprint) {
    throw new CreditbookError('state_conflict', `Operation id '${caller.id}' was already used for another operation on this wallet.`, { param: 'operationId' });
  }
  return { status: stored.status, body: JSON.parse(stored.body), replayed: true };
}

export async function rememberCallerOperation(
  repository: Repository,
  input: { wallet: WalletRecord; caller: CallerOperationId; operationId: string; response: Presented; now: Instant },
): Promise<void> {
  const { wallet, caller } = input;
  await repository.callerOperationIds.insert({
    environmentId: wallet.environmentId,
    customerId: wallet.customerId,
    walletId: wallet.id,
    id: caller.id,
    operationId: input.operationId,
    fingerprint: caller.fingerprint,
    status: input.response.status,
    body: JSON.stringify(input.response.body),
    createdAt: input.now,
  });
}

/**
 * What an operation reference names: a caller's id (on exactly one wallet) or
 * Creditbook's own operation id, with the caller's id of that operation if it
 * has one. A caller's id used on several wallets is ambiguous without the wallet.
 */
export function resolveOperationReference(
  dependencies: AppDependencies,
  context: RequestContext,
  reference: string,
  param: string,
): Promise<{ operationId: string; callerId: string | null }> {
  const environmentId = context.environment.id;
  return dependencies.store.read(async (repository) => {
    const named = await repository.callerOperationIds.findById(environmentId, reference, 2);
    if (named.length > 1) {
      throw new CreditbookError('state_conflict', `Operation id '${reference}' names operations on more than one subscription and unit; list them with a subscription filter.`, {
        param,
      });
    }
    if (named[0]) return { operationId: named[0].operationId, callerId: reference };
    const [own] = await repository.callerOperationIds.findByOperationIds(environmentId, [reference]);
    return { operationId: reference, callerId: own?.id ?? null };
  });
}

/** Creditbook operation id → the caller's id, for the operations that have one. */
export function callerIdsOf(dependencies: AppDependencies, context: RequestContext, operationIds: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(operationIds)];
  if (unique.length === 0) return Promise.resolve(new Map());
  return dependencies.store.read(async (repository) => {
    const found = await repository.callerOperationIds.findByOperationIds(context.environment.id, unique);
    return new Map(found.map((record) => [record.operationId, record.id]));
  });
}

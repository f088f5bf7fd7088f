import { checkMetadataKeys } from '../domain/metadata.ts';
import { parseAmount, sumAmounts } from '../domain/amount.ts';
import { validationError } from '../domain/errors.ts';
import { checkBatchSize, runBatch, type BatchItemResult } from './batch.ts';
import type { InsufficientPolicy, Instant } from '../domain/types.ts';
import type { DebitRecord, Metadata } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import type { CallerOperationId } from './caller-operation-ids.ts';
import { claimIdempotencyKey, fingerprintOf, releaseIdempotencyClaim, idempotencyIn, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';
import { bookedOf, type Booked } from './booked.ts';
import { nextDebitId } from './debit-ids.ts';
import { runWalletOperation } from './wallet-operation.ts';

export interface CreateDebitInput extends WalletReference {
  amount: unknown;
  feature?: string | null | undefined;
  onInsufficient?: InsufficientPolicy | undefined;
  /**
   * When the usage happened, for reporting. Credit is taken from what is
   * spendable when the debit is booked; the ledger never books into the past.
   */
  occurredAt?: Instant | undefined;
  metadata?: Metadata | undefined;
}

export type PresentDebit = (debit: DebitRecord, booked: Booked) => Presented;

export const MAX_BATCH_DEBITS = 1000;

export async function createDebit(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    input: CreateDebitInput;
    idempotency?: IdempotencyRequest | undefined;
    /** The caller's own id for this debit (unique per wallet; caller-operation-ids.ts). */
    callerOperation?: CallerOperationId | undefined;
    present: PresentDebit;
  },
): Promise<Outcome> {
  const { context, input } = request;
  const { address, unit } = await resolveWallet(dependencies, context, input);
  const amount = parseAmount(input.amount, { scale: unit.scale });
  checkMetadataKeys(input.metadata);
  const now = currentTime(dependencies, context.environment);
  if (input.occurredAt !== undefined && input.occurredAt > now) {
    throw validationError('occurredAt', 'occurredAt must not be in the future.');
  }
  const policy = input.onInsufficient ?? 'reject';
  return runWalletOperation(dependencies, {
    context,
    address,
    // A failed debit rolls back with its transaction, so creating the wallet here never leaves an empty one behind.
    ifMissing: 'create',
    // The hot operation: on a remembered wallet state it is one round trip where the store can.
    oneTrip: true,
    compute: (engine, loaded) => {
      // Made as it is booked, not when the request came: its `debit.created` event's ID is derived from it
      // (debitCreatedEventId), and event IDs follow the order their writes commit in, as other events' do.
      const debitId = nextDebitId(dependencies, loaded.wallet);
      const outcome = engine.debit({ debitId, amount, feature: input.feature ?? null, policy });
      // Spelled out, not `...address`: on Node 20 each property a literal adds after a spread costs ~0.7 µs (a hot-wallet debit's CPU budget is ~100 µs).
      const debit: DebitRecord = {
        environmentId: address.environmentId,
        customerId: address.customerId,
        unit: address.unit,
        walletKey: address.walletKey,
        id: debitId,
        walletId: loaded.wallet.id,
        amount,
        consumed: sumAmounts(outcome.allocations.map((allocation) => allocation.amount)),
        overdrawn: outcome.overdrawn,
        shortfall: outcome.shortfall,
        feature: input.feature ?? null,
        policy,
        holdId: null,
        allocations: outcome.allocations,
        occurredAt: input.occurredAt ?? engine.now,
        metadata: input.metadata ?? {},
        createdAt: engine.now,
      };
      return debit;
    },
    persist: async (repository, debit) => {
      await repository.debits.insert(debit);
      return debit;
    },
    present: (record, effects, loaded) => request.present(record, bookedOf(effects, loaded)),
    // Spreads last: properties a literal adds after a spread are slow to add (see `compute`).
    ...idempotencyIn('environment', request.idempotency),
    ...(request.callerOperation ? { callerOperation: Object.assign({}, request.callerOperation, { operationIdOf: (debit: DebitRecord) => debit.id }) } : {}),
  });
}

/**
 * Many debits at once, each its own operation with its own result (`runBatch`).
 *
 * A batch idempotency key answers the batch as a whole (docs/semantics.md#idempotency-and-concurrency).
 * It is first claimed with the whole body's fingerprint (`claimIdempotencyKey`, its own transaction,
 * before any item runs): the same key with any other body is refused there, naming the key, and
 * books nothing. Then item i books under the key `<key>:<i>` (unless it has a key of its own), so
 * a retry of the same body after a failure midway replays the items that committed and books
 * the rest, each once. A batch none of whose items booked gives its key back (`releaseIdempotencyClaim`).
 */
export async function createDebitBatch(
  dependencies: AppDependencies,
  request: { context: RequestContext; items: Array<CreateDebitInput & { idempotencyKey?: string }>; idempotency?: IdempotencyRequest | undefined; present: PresentDebit },
): Promise<BatchItemResult[]> {
  const limits = { param: 'debits', max: MAX_BATCH_DEBITS, noun: 'debits' };
  const batch = request.idempotency;
  if (batch) {
    checkBatchSize(request.items, limits);
    const marker = { status: 200, body: { object: 'debit_batch', debits: request.items.length } };
    await claimIdempotencyKey(dependencies, { context: request.context, request: batch, marker });
  }
  const itemKey = (item: { idempotencyKey?: string }, index: number) => item.idempotencyKey ?? (batch ? `${batch.key}:${index}` : undefined);
  const results = await runBatch(request.items, limits, ({ idempotencyKey, ...input }, index) => {
    const key = itemKey({ idempotencyKey }, index);
    // A derived key's conflict (a batch booked before batch keys were claimed) names the key the caller sent.
    const shown = batch && idempotencyKey === undefined ? { shownKey: batch.key } : {};
    return createDebit(dependencies, {
      context: request.context,
      input,
      idempotency: key === undefined ? undefined : Object.assign({ key, fingerprint: fingerprintOf('debits.create', input) }, shown),
      present: request.present,
    });
  });
  // A batch that booked nothing leaves its key free, as any request refused before it wrote (its items' errors said why).
  if (batch && results.every((result) => 'error' in result)) {
    await releaseIdempotencyClaim(dependencies, { context: request.context, request: batch, itemKeys: request.items.map((item, index) => itemKey(item, index)!) });
  }
  return results;
}

import { formatAmount, type Amount } from '../domain/amount.ts';
import { advanceSnapshot } from '../domain/balance.ts';
import { CreditbookError } from '../domain/errors.ts';
import { availableForFeature } from '../domain/usage-booking.ts';
import type { Instant, WalletSnapshot } from '../domain/types.ts';
import type { HoldRecord, PriceRecord } from '../store/records.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { createHold } from './holds.ts';
import type { IdempotencyRequest, Outcome, Presented } from './idempotency.ts';
import { rateUsage, type RatedUsage, type UsageRequest } from './usage-rating.ts';
import { rememberedStateNow, rememberReadState } from './remembered-wallet.ts';
import { loadSnapshotThrough } from './wallet-grants.ts';
import { snapshotOf } from './wallet-operation.ts';

export interface EntitlementCheckInput extends Omit<UsageRequest, 'timestamp'> {
  /** Also hold the cost (from grants) until a usage event captures it or the TTL ends. */
  reserve?: boolean | undefined;
  ttlSeconds?: number | undefined;
}

export type CheckReason = 'ok' | 'insufficient_balance';

export interface EntitlementAnswer {
  allowed: boolean;
  cost: Amount;
  /** What this usage could take now: grants' spendable credit for the feature (plus the overdraft room, without `reserve`). */
  available: Amount;
  reason: CheckReason;
  price: PriceRecord;
  rated: RatedUsage;
  reservation: HoldRecord | null;
  now: Instant;
}

export type PresentEntitlement = (answer: EntitlementAnswer) => Presented;

/**
 * Answers "may this customer use this quantity now?", rated exactly as the usage
 * event will be. Without `reserve` it is a read: allowed when grants plus the
 * overdraft room cover the cost. With `reserve` it places a hold for the cost
 * through the holds pipeline; a hold never takes overdraft, so it is allowed only
 * when grants cover it. Concurrent checks serialise on the wallet, so reserved
 * credit cannot be promised twice.
 */
export async function checkEntitlement(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: EntitlementCheckInput; idempotency?: IdempotencyRequest | undefined; present: PresentEntitlement },
): Promise<Outcome> {
  const { context, input } = request;
  const rated = await rateUsage(dependencies, context, input);
  const answer = (allowed: boolean, available: Amount, reservation: HoldRecord | null): EntitlementAnswer => ({
    allowed,
    cost: rated.cost,
    available,
    reason: allowed ? 'ok' : 'insufficient_balance',
    price: rated.price,
    rated,
    reservation,
    now: rated.now,
  });
  if (!input.reserve || rated.cost === 0n) {
    const { grants, overdraftRoom } = await spendableNow(dependencies, context, rated);
    const available = input.reserve ? grants : grants + overdraftRoom;
    return Object.assign({}, request.present(answer(input.reserve ? true : rated.cost <= available, available, null)), { replayed: false });
  }
  try {
    return await createHold(dependencies, {
      context,
      input: Object.assign({}, rated.address, { amount: formatAmount(rated.cost), feature: rated.feature.key, ttlSeconds: input.ttlSeconds, metadata: { reservationFor: rated.feature.key } }),
      idempotency: request.idempotency,
      present: (hold, _debit, now, booked) => request.present(answer(true, availableForFeature(booked.snapshot, now, rated.feature.key).grants, hold)),
    });
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'insufficient_balance') {
      const { grants } = await spendableNow(dependencies, context, rated);
      return Object.assign({}, request.present(answer(false, grants, null)), { replayed: false });
    }
    throw error;
  }
}

/** What the wallet can spend on the feature now: from the state this process remembers, as a balance read (balances.ts). */
async function spendableNow(dependencies: AppDependencies, context: RequestContext, rated: RatedUsage): Promise<{ grants: Amount; overdraftRoom: Amount }> {
  // Time events due by now (an expiry the sweep has not booked yet) count as booked.
  const spendable = (snapshot: WalletSnapshot) => availableForFeature(advanceSnapshot(snapshot, rated.now), rated.now, rated.feature.key);
  const remembered = rememberedStateNow(dependencies.store, rated.address, context.externalChanges, rated.now);
  if (remembered) return spendable(snapshotOf(remembered));
  return dependencies.store.read(async (repository) => {
    const wallet = await repository.wallets.find(rated.address, { lock: false });
    if (!wallet) return { grants: 0n, overdraftRoom: 0n };
    const snapshot = await loadSnapshotThrough(repository, wallet, rated.now);
    rememberReadState(dependencies.store, rated.address, snapshot, rated.now, context.externalChanges);
    return spendable(snapshot);
  });
}

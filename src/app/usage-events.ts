import { formatAmount } from '../domain/amount.ts';
import { CreditbookError, notFound } from '../domain/errors.ts';
import { bookUsage } from '../domain/usage-booking.ts';
import type { DebitRecord, Metadata, PriceRecord, UsageEventRecord } from '../store/records.ts';
import { bookedOf, type Booked } from './booked.ts';
import { runBatch, type BatchItemResult } from './batch.ts';
import { nextDebitId } from './debit-ids.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { fingerprintOf, type Outcome, type Presented } from './idempotency.ts';
import { batchPriceReader, rateUsage, type PriceReader, type UsageRequest } from './usage-rating.ts';
import { appendEvents } from './webhook-outbox.ts';
import { shownWalletKey } from './wallet-address.ts';
import { runWalletOperation } from './wallet-operation.ts';

export interface UsageEventInput extends UsageRequest {
  /** The caller's ID: unique per environment, forever. */
  id: string;
  /** A reservation from an entitlement check to capture against. */
  reservationId?: string | null | undefined;
  metadata?: Metadata | undefined;
}

export type PresentUsageEvent = (event: UsageEventRecord, price: PriceRecord, booked: Booked) => Presented;

export const MAX_USAGE_BATCH = 1000;

/**
 * Rates a usage event at its timestamp and books its cost now, in one wallet
 * operation: the event row, its debit, ledger entries, outbox events and the
 * record that answers a resend are one transaction. The event's ID is its
 * idempotency key, kept forever: a resend with the same contents replays the
 * first answer (the edge marks it `duplicate`), with other contents it is a 409.
 * What nothing covers is recorded as shortfall and announced as `usage.uncovered`.
 */
export async function recordUsageEvent(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: UsageEventInput; present: PresentUsageEvent; prices?: PriceReader },
): Promise<Outcome> {
  const { context, input } = request;
  const rated = await rateUsage(dependencies, context, input, request.prices);
  const reservationId = input.reservationId ?? null;
  const fingerprint = fingerprintOf('usage-events.create', {
    customerId: input.customerId,
    feature: rated.feature.key,
    quantity: formatAmount(rated.quantity),
    dimensions: rated.dimensions,
    walletKey: rated.address.walletKey,
    timestamp: input.timestamp ?? null,
    reservationId,
    metadata: input.metadata ?? {},
  });
  try {
    return await runWalletOperation(dependencies, {
      context,
      address: rated.address,
      // Usage is never lost: a customer's first usage creates the wallet, which then records it as shortfall.
      ifMissing: 'create',
      idempotency: { key: input.id, fingerprint, scope: 'usage-event' },
      holdIds: reservationId === null ? [] : [reservationId],
      compute: (engine, loaded): { event: UsageEventRecord; debit: DebitRecord | null } => {
        if (reservationId !== null && !loaded.holds.has(reservationId)) throw notFound('reservation', reservationId, 'reservationId');
        // Made as it is booked, as createDebit makes its own (its `debit.created` event's ID is derived from it).
        const debitId = nextDebitId(dependencies, loaded.wallet);
        const booking = bookUsage(engine, { debitId, cost: rated.cost, feature: rated.feature.key, reservationId });
        const consumed = booking.allocations.reduce((total, allocation) => total + allocation.amount, 0n);
        // The address spelled out, not spread: on Node 20 each property a literal adds after a leading spread costs ~0.5 µs.
        const event: UsageEventRecord = {
          environmentId: rated.address.environmentId,
          customerId: rated.address.customerId,
          unit: rated.address.unit,
          walletKey: rated.address.walletKey,
          id: input.id,
          walletId: loaded.wallet.id,
          feature: rated.feature.key,
          quantity: rated.quantity,
          dimensions: rated.dimensions,
          occurredAt: rated.occurredAt,
          priceId: rated.price.id,
          cost: rated.cost,
          consumed,
          overdrawn: booking.overdrawn,
          shortfall: booking.shortfall,
          allocations: booking.allocations,
          debitId: rated.cost > 0n ? debitId : null,
          // The reservation the event used: none when the one it named had ended (it was booked as if it named none).
          reservationId: booking.reservationUsed ? reservationId : null,
          metadata: input.metadata ?? {},
          createdAt: engine.now,
        };
        const debit: DebitRecord | null =
          event.debitId === null
            ? null
            : {
                environmentId: rated.address.environmentId,
                customerId: rated.address.customerId,
                unit: rated.address.unit,
                walletKey: rated.address.walletKey,
                id: debitId,
                walletId: loaded.wallet.id,
                amount: rated.cost,
                consumed,
                overdrawn: booking.overdrawn,
                shortfall: booking.shortfall,
                feature: rated.feature.key,
                policy: 'usage',
                holdId: booking.reservationUsed ? reservationId : null,
                allocations: booking.allocations,
                occurredAt: rated.occurredAt,
                // Object.assign({}, …): a request body never carries a __proto__ key (Fastify refuses one), so it copies as the spread did.
                metadata: Object.assign({}, event.metadata, { usageEventId: input.id }),
                createdAt: engine.now,
              };
        return { event, debit };
      },
      persist: async (repository, { event, debit }, _effects, now) => {
        if (debit) await repository.debits.insert(debit);
        await repository.usageEvents.insert(event);
        if (event.shortfall > 0n) {
          await appendEvents(dependencies, repository, {
            environmentId: event.environmentId,
            at: now,
            events: [
              {
                type: 'usage.uncovered',
                data: {
                  usageEventId: event.id,
                  customerId: event.customerId,
                  unit: event.unit,
                  walletKey: shownWalletKey(event.walletKey),
                  walletId: event.walletId,
                  feature: event.feature,
                  cost: formatAmount(event.cost),
                  shortfall: formatAmount(event.shortfall),
                },
              },
            ],
          });
        }
        return event;
      },
      present: (event, effects, loaded) => request.present(event, rated.price, bookedOf(effects, loaded)),
    });
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'idempotency_conflict') {
      throw new CreditbookError('idempotency_conflict', `Usage event '${input.id}' was already recorded with other contents; an event ID is never reused.`, { param: 'id' });
    }
    throw error;
  }
}

/** Up to 1,000 events (`runBatch`). A repeated ID in one batch books once; the repeats answer as duplicates. */
export function recordUsageEvents(
  dependencies: AppDependencies,
  request: { context: RequestContext; items: UsageEventInput[]; present: PresentUsageEvent },
): Promise<BatchItemResult[]> {
  const prices = batchPriceReader(dependencies, request.context);
  return runBatch(request.items, { param: 'events', max: MAX_USAGE_BATCH, noun: 'usage events' }, (input) =>
    recordUsageEvent(dependencies, { context: request.context, input, present: request.present, prices }),
  );
}

/** A booked event and the price it was rated by. */
export async function getUsageEvent(dependencies: AppDependencies, context: RequestContext, id: string): Promise<{ event: UsageEventRecord; price: PriceRecord }> {
  const environmentId = context.environment.id;
  const found = await dependencies.store.read(async (repository) => {
    const event = await repository.usageEvents.get(environmentId, id);
    return event && { event, price: (await repository.prices.get(environmentId, event.priceId))! };
  });
  if (!found) throw notFound('usage event', id, 'id');
  return found;
}

import { minAmount, sumAmounts, ZERO, type Amount } from './amount.ts';
import { validationError } from './errors.ts';
import { isSpendable } from './grant-status.ts';
import type { Allocation, Instant, WalletSnapshot } from './types.ts';
import type { WalletTransaction } from './wallet-transaction.ts';

export interface UsageCharge {
  debitId: string;
  cost: Amount;
  feature: string;
  /** A hold placed by an entitlement check to capture against; its unused rest is released. */
  reservationId: string | null;
}

export interface UsageBooking {
  /** What grants paid (from the reservation first, then in burn order). */
  allocations: Allocation[];
  overdrawn: Amount;
  shortfall: Amount;
  /** Whether the reservation was still active and was captured or released. */
  reservationUsed: boolean;
}

/**
 * Books a rated usage event's cost. Usage already happened, so it is never
 * refused: an active reservation pays first (up to what it holds; the rest of it
 * is released), grants pay the remainder in burn order, the overdraft takes what
 * they cannot up to its limit, and the rest is shortfall. A reservation that
 * expired or ended already is ignored (the event is booked as if it named none).
 * A reservation made for another feature is refused, whatever its state: its credit
 * may come from grants that apply only to that feature.
 * Invariant: Σ allocations + overdrawn + shortfall = cost.
 */
export function bookUsage(transaction: WalletTransaction, charge: UsageCharge): UsageBooking {
  const allocations: Allocation[] = [];
  let remaining = charge.cost;
  let reservationUsed = false;
  const reservation = charge.reservationId === null ? undefined : transaction.snapshot.holds.find((hold) => hold.id === charge.reservationId);
  // A hold for no feature (POST /v1/holds without one) took only credit that pays for anything.
  if (reservation && reservation.feature !== null && reservation.feature !== charge.feature) {
    throw validationError('reservationId', `Reservation ${reservation.id} was made for feature '${reservation.feature}', not '${charge.feature}': it pays only for the usage it was made for.`);
  }
  if (reservation?.status === 'active') {
    reservationUsed = true;
    const captured = minAmount(reservation.amount, remaining);
    if (captured > 0n) {
      allocations.push(...transaction.capture({ holdId: reservation.id, debitId: charge.debitId, amount: captured }).allocations);
      remaining -= captured;
    } else {
      transaction.release(reservation.id);
    }
  }
  if (remaining === 0n) return { allocations, overdrawn: ZERO, shortfall: ZERO, reservationUsed };
  const debit = transaction.debit({ debitId: charge.debitId, amount: remaining, feature: charge.feature, policy: 'usage' });
  return { allocations: mergeAllocations([...allocations, ...debit.allocations]), overdrawn: debit.overdrawn, shortfall: debit.shortfall, reservationUsed };
}

/** One allocation per grant, in first-taken order. */
function mergeAllocations(allocations: readonly Allocation[]): Allocation[] {
  const merged = new Map<string, Amount>();
  for (const allocation of allocations) merged.set(allocation.grantId, (merged.get(allocation.grantId) ?? ZERO) + allocation.amount);
  return [...merged].map(([grantId, amount]) => ({ grantId, amount }));
}

/** What a usage of `feature` could take at `at`: grants' spendable credit for it, and the overdraft room. */
export function availableForFeature(snapshot: WalletSnapshot, at: Instant, feature: string): { grants: Amount; overdraftRoom: Amount } {
  const grants = sumAmounts(snapshot.grants.filter((grant) => isSpendable(grant, at, feature)).map((grant) => grant.available));
  const room = snapshot.wallet.overdraftLimit - snapshot.wallet.overdraft;
  return { grants, overdraftRoom: room > 0n ? room : ZERO };
}

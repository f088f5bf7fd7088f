import type { Amount } from './amount.ts';

/**
 * Spreading a paid grant's price over its credits, exactly (docs/finance.md#allocation).
 *
 * A grant of `credits` bought for `price` (integer minor units of its currency)
 * has a cumulative money function over the credits that have left it so far,
 * in ledger order, whatever way they left (consumed, expired, voided, refunded):
 *
 *   M(k) = round_half_even(price × k / credits), for 0 <= k <= credits
 *
 * Each outflow of x credits, when k had left before it, is worth M(k + x) − M(k).
 * So the money of every outflow is fixed when it is booked (later bookings never
 * change it), never negative (M is monotone), and the outflows of a grant add up
 * to M(credits) = price exactly once all of it has left; what has not left is
 * deferred: price − M(k). Credits beyond `credits` (a rollover floor's top-up)
 * carry no money: k is clamped to `credits`.
 */
export interface CostBasis {
  /** What the credits cost, in minor units of the currency (>= 0). */
  price: bigint;
  /** The credits bought (> 0). */
  credits: Amount;
}

export type OutflowKind = 'recognised' | 'breakage' | 'refund';

export interface Outflow {
  kind: OutflowKind;
  credits: Amount;
}

/** a / b rounded half to even; b > 0, a >= 0. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder === denominator && quotient % 2n === 1n) return quotient + 1n;
  return quotient;
}

/** M(k): the money of the first `left` credits to leave the grant. */
export function moneyOfCreditsLeft(basis: CostBasis, left: Amount): bigint {
  if (left <= 0n) return 0n;
  if (left >= basis.credits) return basis.price;
  return divideHalfEven(basis.price * left, basis.credits);
}

/** The money of `credits` leaving the grant after `leftBefore` credits already left it. */
export function moneyOfOutflow(basis: CostBasis, leftBefore: Amount, credits: Amount): bigint {
  return moneyOfCreditsLeft(basis, leftBefore + credits) - moneyOfCreditsLeft(basis, leftBefore);
}

/** The money of each outflow, in order, starting from a grant nothing has left yet. */
export function allocateOutflows(basis: CostBasis, outflows: readonly Outflow[]): bigint[] {
  let left = 0n;
  return outflows.map((outflow) => {
    const money = moneyOfOutflow(basis, left, outflow.credits);
    left += outflow.credits;
    return money;
  });
}

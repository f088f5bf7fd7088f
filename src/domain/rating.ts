import { AMOUNT_SCALE, formatAmount, MAX_INTEGER_DIGITS, maxAmount, withinAmountLimit, type Amount } from './amount.ts';
import { CreditbookError, validationError } from './errors.ts';
import type { Instant } from './types.ts';

/**
 * Rating: what a quantity of a feature costs, in credits of a unit.
 *
 * Invariants
 * - A price is `amount` credits per `per` of the feature's quantity. The cost of
 *   an event is quantity × amount / per, rounded UP to the unit's scale (never
 *   under-charging), then raised to the price's `minimum` if it has one.
 * - The price used for an event is, among prices in effect at the event's
 *   timestamp whose dimension filter the event matches: a customer's own prices
 *   (overrides) before list prices, then the most specific filter (most
 *   dimensions), then the latest `effectiveAt` (a newer version of that filter).
 * - Ties cannot happen: `priceConflict` refuses, at creation, a price whose filter
 *   has as many dimensions as another compatible filter in the same scope (some
 *   event would match both), and a second version of one filter at one instant.
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface FeatureDefinition {
  key: string;
  /** The dimension names events and price filters may use. */
  dimensions: readonly string[];
  /** Decimal places a quantity may have (0 for tokens or calls). */
  quantityScale: number;
}

export interface PriceDefinition {
  id: string;
  feature: string;
  unit: string;
  /** Credits per `per` of quantity; zero makes the feature free. */
  amount: Amount;
  /** The quantity `amount` pays for (1 unless set, e.g. 1000 tokens). */
  per: Amount;
  /** Matches events whose dimensions include every one of these; {} matches all. */
  dimensions: Dimensions;
  /** A negotiated rate for one customer; null for the list price. */
  customerId: string | null;
  /** The least an event costs at this price, if set. */
  minimum: Amount | null;
  effectiveAt: Instant;
}

export interface UsageToRate {
  customerId: string;
  feature: string;
  quantity: Amount;
  dimensions: Dimensions;
  at: Instant;
}

/** Canonical text of a dimension filter: sorted keys, so equal filters compare equal. */
export function dimensionsKey(dimensions: Dimensions): string {
  return JSON.stringify(Object.keys(dimensions).sort().map((name) => [name, dimensions[name]]));
}

export function matchesFilter(filter: Dimensions, dimensions: Dimensions): boolean {
  for (const [name, value] of Object.entries(filter)) if (dimensions[name] !== value) return false;
  return true;
}

/** The price in effect for this usage (see the module invariants), or undefined when none matches. */
export function selectPrice(prices: readonly PriceDefinition[], usage: UsageToRate): PriceDefinition | undefined {
  let best: PriceDefinition | undefined;
  let bestRank: readonly number[] = [];
  for (const price of prices) {
    if (price.feature !== usage.feature || price.effectiveAt > usage.at) continue;
    if (price.customerId !== null && price.customerId !== usage.customerId) continue;
    if (!matchesFilter(price.dimensions, usage.dimensions)) continue;
    const rank = [price.customerId === null ? 0 : 1, Object.keys(price.dimensions).length, price.effectiveAt];
    if (best === undefined || compareRanks(rank, bestRank) > 0) {
      best = price;
      bestRank = rank;
    }
  }
  return best;
}

function compareRanks(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < left.length; index += 1) {
    const difference = left[index]! - right[index]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** quantity × amount / per, rounded up to the unit's scale, then at least the minimum. */
export function costOf(price: Pick<PriceDefinition, 'amount' | 'per' | 'minimum'>, quantity: Amount, unitScale: number): Amount {
  const step = 10n ** BigInt(AMOUNT_SCALE - unitScale);
  // quantity, amount and per are fixed-point at one scale, so the exact cost at that scale is q·a / p.
  const numerator = quantity * price.amount;
  const denominator = price.per * step;
  const steps = (numerator + denominator - 1n) / denominator;
  const cost = maxAmount(steps * step, price.minimum ?? 0n);
  // The cost is rounded up to the unit's scale, so only its size can be refused; `quantity` is the request's part of it.
  if (!withinAmountLimit(cost)) {
    throw validationError(
      'quantity',
      `The cost of this usage, price × quantity (${formatAmount(price.amount)} per ${formatAmount(price.per)} × ${formatAmount(quantity)}), ` +
        `would have more than ${MAX_INTEGER_DIGITS} digits before the decimal point, more than an amount can hold; send a smaller 'quantity'.`,
    );
  }
  return cost;
}

/** Quantities are exact, positive and no finer than the feature allows. */
export function checkQuantity(feature: FeatureDefinition, quantity: Amount, param = 'quantity'): void {
  if (quantity <= 0n) throw validationError(param, `'${param}' must be greater than zero.`);
  if (quantity % 10n ** BigInt(AMOUNT_SCALE - feature.quantityScale) !== 0n) {
    throw validationError(param, `'${param}' has more decimal places than feature '${feature.key}' allows (${feature.quantityScale}).`);
  }
}

/** Only the feature's declared dimensions may be named. */
export function checkDimensions(feature: FeatureDefinition, dimensions: Dimensions, param = 'dimensions'): void {
  for (const name of Object.keys(dimensions)) {
    if (!feature.dimensions.includes(name)) {
      const known = feature.dimensions.length > 0 ? `: ${feature.dimensions.join(', ')}` : '; it declares none';
      throw validationError(`${param}.${name}`, `Feature '${feature.key}' has no dimension '${name}'${known}.`);
    }
  }
}

/**
 * Why `candidate` cannot be created beside `existing` prices (a 409 naming what it ties with, once, and the
 * parameter to change), or null when it can.
 */
export function priceConflict(existing: readonly PriceDefinition[], candidate: PriceDefinition): CreditbookError | null {
  const candidateKey = dimensionsKey(candidate.dimensions);
  const candidateSize = Object.keys(candidate.dimensions).length;
  for (const price of existing) {
    if (price.feature !== candidate.feature || price.customerId !== candidate.customerId) continue;
    const sameFilter = dimensionsKey(price.dimensions) === candidateKey;
    if (sameFilter && price.effectiveAt === candidate.effectiveAt) {
      return new CreditbookError(
        'state_conflict',
        `Price '${price.id}' already has this filter (${describe(candidate.dimensions)}) in effect from ${new Date(price.effectiveAt).toISOString()}; ` +
          'two versions of one filter from the same instant would tie. Choose another effectiveAt.',
        { param: 'effectiveAt' },
      );
    }
    if (!sameFilter && Object.keys(price.dimensions).length === candidateSize && compatible(price.dimensions, candidate.dimensions)) {
      return new CreditbookError(
        'state_conflict',
        `Price '${price.id}' filters on ${describe(price.dimensions)} and this one on ${describe(candidate.dimensions)}: an event with ` +
          `${describe(Object.assign({}, price.dimensions, candidate.dimensions))} matches both, and with as many dimensions (${candidateSize}) neither is ` +
          'more specific, so that event would tie between two prices. Refused so that every event has exactly one price; add a dimension to one ' +
          'filter to make it more specific.',
        { param: 'dimensions' },
      );
    }
  }
  return null;
}

/** Two filters are compatible when no dimension they share has different values: some event matches both. */
function compatible(left: Dimensions, right: Dimensions): boolean {
  for (const [name, value] of Object.entries(left)) if (name in right && right[name] !== value) return false;
  return true;
}

/** A filter in words, its dimensions in name order. */
function describe(dimensions: Dimensions): string {
  const entries = Object.entries(dimensions).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return entries.length === 0 ? 'no dimensions' : entries.map(([name, value]) => `${name}=${value}`).join(', ');
}

import { parseAmount, type Amount } from '../domain/amount.ts';
import { checkDimensions, checkQuantity, costOf, selectPrice, type Dimensions } from '../domain/rating.ts';
import { CreditbookError, validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { FeatureRecord, PriceRecord, UnitRecord, WalletAddress } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { findFeature } from './pricing.ts';
import { findUnit, resolveWallet } from './wallet-address.ts';

export interface UsageRequest {
  customerId: string;
  feature: string;
  quantity: unknown;
  dimensions?: Dimensions | undefined;
  walletKey?: string | null | undefined;
  /** When the usage happened; now unless given. Never in the future. */
  timestamp?: Instant | undefined;
}

export interface RatedUsage {
  feature: FeatureRecord;
  quantity: Amount;
  dimensions: Dimensions;
  occurredAt: Instant;
  now: Instant;
  price: PriceRecord;
  cost: Amount;
  unit: UnitRecord;
  /** The wallet the cost is booked on: the customer's, in the price's unit. */
  address: WalletAddress;
}

/**
 * Validates a usage and rates it at its timestamp: what an event would cost and
 * which wallet pays. Used alike by usage events and entitlement checks, so a
 * check answers exactly what the event will be charged. Reads only: prices never
 * change once in effect (pricing.ts), so rating before the write is the rating
 * the write books.
 */
/** A feature's list prices and one customer's overrides in effect by `at`. */
export type PriceReader = (feature: string, customerId: string, at: Instant) => Promise<readonly PriceRecord[]>;

/** The versions in effect by `at` of a feature's list prices and one customer's overrides, read from the store. */
function storedPrices(dependencies: AppDependencies, environmentId: string, feature: string, customerId: string, at: Instant): Promise<PriceRecord[]> {
  return dependencies.store.read((repository) => repository.prices.candidates(environmentId, feature, customerId, at));
}

/** One rating's prices: remembered by this process while none can have been added (price-memory.ts), else read. */
function readPrices(dependencies: AppDependencies, context: RequestContext): PriceReader {
  const environmentId = context.environment.id;
  return (feature, customerId, at) =>
    dependencies.lookups.prices.inEffect({ environmentId, feature, customerId }, at, context.externalChanges, () =>
      storedPrices(dependencies, environmentId, feature, customerId, Number.MAX_SAFE_INTEGER),
    );
}

/**
 * For a batch: each (feature, customer)'s candidates read once, as of now, and
 * shared by the batch's events (rating keeps only versions in effect at each
 * event's timestamp, which is never later than now).
 */
export function batchPriceReader(dependencies: AppDependencies, context: RequestContext): PriceReader {
  const now = currentTime(dependencies, context.environment);
  const known = new Map<string, Promise<readonly PriceRecord[]>>();
  return (feature, customerId) => {
    const key = JSON.stringify([feature, customerId]);
    let prices = known.get(key);
    if (!prices) known.set(key, (prices = storedPrices(dependencies, context.environment.id, feature, customerId, now)));
    return prices;
  };
}

export async function rateUsage(
  dependencies: AppDependencies,
  context: RequestContext,
  request: UsageRequest,
  prices: PriceReader = readPrices(dependencies, context),
): Promise<RatedUsage> {
  const environmentId = context.environment.id;
  const feature = await findFeature(dependencies, environmentId, request.feature);
  const quantity = parseAmount(request.quantity, { param: 'quantity', positive: false });
  checkQuantity(feature, quantity);
  const dimensions = request.dimensions ?? {};
  checkDimensions(feature, dimensions);
  const now = currentTime(dependencies, context.environment);
  const occurredAt = request.timestamp ?? now;
  if (occurredAt > now) throw validationError('timestamp', 'timestamp must not be in the future.');
  const candidates = await prices(feature.key, request.customerId, occurredAt);
  const price = selectPrice(candidates, { customerId: request.customerId, feature: feature.key, quantity, dimensions, at: occurredAt }) as PriceRecord | undefined;
  if (!price) {
    throw new CreditbookError('not_found', `No price of feature '${feature.key}' matches ${describeUsage(dimensions)} at ${new Date(occurredAt).toISOString()}.`, {
      param: 'feature',
    });
  }
  const unit = await findUnit(dependencies, environmentId, price.unit);
  const cost = costOf(price, quantity, unit.scale);
  const { address } = await resolveWallet(dependencies, context, { customerId: request.customerId, unit: unit.code, walletKey: request.walletKey });
  return { feature, quantity, dimensions, occurredAt, now, price, cost, unit, address };
}

function describeUsage(dimensions: Dimensions): string {
  const entries = Object.entries(dimensions);
  return entries.length === 0 ? 'a usage without dimensions' : `dimensions ${entries.map(([name, value]) => `${name}=${value}`).join(', ')}`;
}

import { parseAmount } from '../domain/amount.ts';
import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import { checkDimensions, priceConflict, type Dimensions } from '../domain/rating.ts';
import type { Instant } from '../domain/types.ts';
import type { FeatureRecord, Metadata, Page, PageRequest, PriceRecord } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { idempotentWrite } from './idempotent-write.ts';
import type { IdempotencyRequest, Outcome, Presented } from './idempotency.ts';
import { lookupKey } from './lookups.ts';
import { findUnit } from './wallet-address.ts';

export const FEATURE_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
export const MAX_FEATURE_DIMENSIONS = 10;

export interface CreateFeatureInput {
  key: string;
  name?: string | null | undefined;
  dimensions?: string[] | undefined;
  quantityScale?: number | undefined;
}

/**
 * A feature is immutable once created (prices and booked events refer to its
 * dimensions and scale). Creating it again with the same definition returns it;
 * with another definition it is a conflict.
 */
export async function createFeature(dependencies: AppDependencies, context: RequestContext, input: CreateFeatureInput): Promise<{ feature: FeatureRecord; created: boolean }> {
  if (!FEATURE_KEY_PATTERN.test(input.key)) throw validationError('key', 'key must be letters, digits, _ . : or -, starting with a letter or digit (at most 100).');
  const dimensions = input.dimensions ?? [];
  if (new Set(dimensions).size !== dimensions.length) throw validationError('dimensions', 'dimensions must not repeat a name.');
  const feature: FeatureRecord = {
    environmentId: context.environment.id,
    key: input.key,
    name: input.name ?? null,
    dimensions: [...dimensions].sort(),
    quantityScale: input.quantityScale ?? 10,
    createdAt: currentTime(dependencies, context.environment),
  };
  return dependencies.store.transaction(async (repository) => {
    if (await repository.features.insert(feature)) return { feature, created: true };
    const existing = (await repository.features.get(feature.environmentId, feature.key))!;
    if (JSON.stringify(existing.dimensions) !== JSON.stringify(feature.dimensions) || existing.quantityScale !== feature.quantityScale) {
      throw new CreditbookError('state_conflict', `Feature '${input.key}' exists with other dimensions or quantityScale; a feature never changes.`, { param: 'key' });
    }
    return { feature: existing, created: false };
  });
}

export async function findFeature(dependencies: AppDependencies, environmentId: string, key: string, param = 'feature'): Promise<FeatureRecord> {
  const cacheKey = lookupKey(environmentId, key);
  const cached = dependencies.lookups.features.get(cacheKey);
  if (cached) return cached;
  const feature = await dependencies.store.read((repository) => repository.features.get(environmentId, key));
  if (!feature) throw new CreditbookError('not_found', `No feature '${key}'. Create it first with POST /v1/features.`, { param });
  dependencies.lookups.features.set(cacheKey, feature);
  return feature;
}

export function listFeatures(dependencies: AppDependencies, context: RequestContext): Promise<FeatureRecord[]> {
  return dependencies.store.read((repository) => repository.features.list(context.environment.id));
}

export interface CreatePriceInput {
  feature: string;
  unit: string;
  amount: unknown;
  per?: unknown;
  dimensions?: Dimensions | undefined;
  customerId?: string | null | undefined;
  minimum?: unknown;
  effectiveAt?: Instant | undefined;
  metadata?: Metadata | undefined;
}

/**
 * A price, or a new version of one (same feature, scope and filter, later
 * effectiveAt). effectiveAt is now or later, never in the past, so the price in
 * effect at any instant that has passed never changes: a late event is rated by
 * exactly the price its moment had. Creations on one feature serialise on the
 * feature's row, so two that would tie cannot both pass the check.
 */
export async function createPrice(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: CreatePriceInput; idempotency?: IdempotencyRequest | undefined; present: (price: PriceRecord) => Presented },
): Promise<Outcome> {
  const { context, input } = request;
  const environmentId = context.environment.id;
  const feature = await findFeature(dependencies, environmentId, input.feature);
  const unit = await findUnit(dependencies, environmentId, input.unit);
  const amount = parseAmount(input.amount, { positive: false });
  if (amount < 0n) throw validationError('amount', "'amount' must not be negative.");
  const per = input.per === undefined ? 10n ** 10n : parseAmount(input.per, { param: 'per' });
  const minimum = input.minimum === undefined || input.minimum === null ? null : parseAmount(input.minimum, { param: 'minimum', scale: unit.scale, positive: false });
  if (minimum !== null && minimum < 0n) throw validationError('minimum', "'minimum' must not be negative.");
  const dimensions = input.dimensions ?? {};
  checkDimensions(feature, dimensions);
  const now = currentTime(dependencies, context.environment);
  const effectiveAt = input.effectiveAt ?? now;
  if (effectiveAt < now) throw validationError('effectiveAt', 'effectiveAt must not be in the past: a price never changes what an instant that has passed cost. Create a new version from now on.');
  const customerId = input.customerId ?? null;
  if (customerId !== null) {
    const customer = await dependencies.store.read((repository) => repository.accounts.getCustomer(environmentId, customerId));
    if (!customer) throw notFound('customer', customerId, 'customerId');
  }
  const insert = async (repository: Repository): Promise<Presented> => {
    await repository.features.get(environmentId, feature.key, { lock: true });
    const price: PriceRecord = {
      id: dependencies.newId('prc'),
      environmentId,
      feature: feature.key,
      unit: unit.code,
      amount,
      per,
      dimensions,
      customerId,
      minimum,
      effectiveAt,
      metadata: input.metadata ?? {},
      createdAt: now,
    };
    const conflict = priceConflict(await repository.prices.forFeature(environmentId, feature.key), price);
    if (conflict) throw conflict;
    await repository.prices.insert(price);
    return request.present(price);
  };
  try {
    return await idempotentWrite(dependencies, request, insert);
  } finally {
    // Settled, committed or not: a rating that read prices before this does not use them again (price-memory.ts).
    dependencies.lookups.prices.changed();
  }
}

export async function getPrice(dependencies: AppDependencies, context: RequestContext, id: string): Promise<PriceRecord> {
  const price = await dependencies.store.read((repository) => repository.prices.get(context.environment.id, id));
  if (!price) throw notFound('price', id, 'id');
  return price;
}

export function listPrices(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { feature?: string | undefined; customerId?: string | undefined },
  page: PageRequest,
): Promise<Page<PriceRecord>> {
  return dependencies.store.read((repository) => repository.prices.list(context.environment.id, filters, page));
}

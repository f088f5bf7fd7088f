import { formatAmount } from '../domain/amount.ts';
import type { FeatureRecord, PriceRecord } from '../store/records.ts';
import { toTimestamp } from './time.ts';

export function featureView(feature: FeatureRecord) {
  return {
    object: 'feature',
    key: feature.key,
    name: feature.name,
    dimensions: feature.dimensions,
    quantityScale: feature.quantityScale,
    createdAt: toTimestamp(feature.createdAt),
  };
}

export function priceView(price: PriceRecord) {
  return {
    object: 'price',
    id: price.id,
    feature: price.feature,
    unit: price.unit,
    amount: formatAmount(price.amount),
    per: formatAmount(price.per),
    dimensions: price.dimensions,
    customerId: price.customerId,
    minimum: price.minimum === null ? null : formatAmount(price.minimum),
    effectiveAt: toTimestamp(price.effectiveAt),
    metadata: price.metadata,
    createdAt: toTimestamp(price.createdAt),
  };
}

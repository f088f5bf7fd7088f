import { Type } from '@sinclair/typebox';
import { Amount, FeatureKey, Identifier, IdempotencyKeyField, Metadata, pageQuery, strictObject, Timestamp, walletReference } from './schemas.ts';

/** Requests of features, prices, usage events, entitlement checks and usage reports. */
const DimensionName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' });
export const DimensionValues = Type.Record(DimensionName, Type.String({ minLength: 1, maxLength: 200 }), {
  maxProperties: 10,
  description: 'Dimension name → value, e.g. {"model":"gpt-4o","direction":"output"}.',
});

export const CreateFeatureBody = strictObject({
  key: FeatureKey,
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  dimensions: Type.Optional(Type.Array(DimensionName, { maxItems: 10, description: 'The dimension names events and price filters may use.' })),
  quantityScale: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'Decimal places a quantity may have; 10 unless set (0 for tokens).' })),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const FeatureParams = strictObject({ key: FeatureKey });

export const CreatePriceBody = strictObject({
  feature: FeatureKey,
  unit: walletReference.unit,
  amount: Amount,
  per: Type.Optional(Amount),
  dimensions: Type.Optional(DimensionValues),
  customerId: Type.Optional(Type.Union([Identifier, Type.Null()])),
  minimum: Type.Optional(Type.Union([Amount, Type.Null()])),
  effectiveAt: Type.Optional(Timestamp),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const ListPricesQuery = strictObject({ ...pageQuery, feature: Type.Optional(FeatureKey), customerId: Type.Optional(Identifier) });

/** A quantity is spelled as an amount is (schemas.ts): "1e3" is 1000, read exactly. */
const quantityText = Type.String({ pattern: Amount.anyOf[0].pattern!, description: 'A decimal string such as "1840", "0.5" or "1.5e3"' });

const usageFields = {
  customerId: Identifier,
  feature: FeatureKey,
  quantity: Type.Union([quantityText, Type.Number()], {
    description: 'An exact decimal quantity. Send a string to be exact; numbers are read through their shortest decimal form. Exponent notation ("1e3") means the same as the digits.',
    examples: ['1840'],
  }),
  dimensions: Type.Optional(DimensionValues),
  walletKey: walletReference.walletKey,
};

const usageEventFields = {
  id: Type.String({ minLength: 1, maxLength: 255, description: 'Your ID for the event: unique per environment, forever. A resend replays the first answer.' }),
  ...usageFields,
  timestamp: Type.Optional(Timestamp),
  reservationId: Type.Optional(Type.Union([Identifier, Type.Null()])),
  metadata: Type.Optional(Metadata),
};
export const CreateUsageEventBody = strictObject(usageEventFields);
export const UsageEventBatchBody = strictObject({ events: Type.Array(strictObject(usageEventFields), { minItems: 1, maxItems: 1000 }) });
export const UsageEventParams = strictObject({ id: Type.String({ minLength: 1, maxLength: 255 }) });

export const EntitlementCheckBody = strictObject({
  ...usageFields,
  reserve: Type.Optional(Type.Boolean()),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'How long a reservation lasts; 3600 unless set, at most 30 days.' })),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const UsageReportQuery = strictObject({
  customerId: Identifier,
  feature: Type.Optional(FeatureKey),
  from: Timestamp,
  to: Timestamp,
  interval: Type.Optional(
    Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('month'), Type.Literal('total')], { description: 'UTC buckets; total (the default) is one bucket [from, to).' }),
  ),
  groupBy: Type.Optional(Type.String({ maxLength: 60, description: "'feature' or 'dimension.<name>'." })),
});

import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Request schemas. They validate requests (Fastify + Ajv, no coercion, unknown
 * fields rejected) and generate /openapi.json, so the document cannot drift
 * from what the server accepts.
 */
export const Amount = Type.Union([Type.String({ pattern: '^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$' }), Type.Number()], {
  description: 'A decimal amount. Send a string to be exact; numbers are read through their shortest decimal form. Exponent notation ("1e3") means the same as the digits.',
  examples: ['100', '12.5'],
});
export const Currency = Type.String({ pattern: '^[a-z]{3}$', description: 'A lower-case ISO 4217 currency code, such as "usd".', examples: ['usd'] });
export const Timestamp = Type.String({ description: 'RFC 3339, e.g. 2026-01-31T00:00:00.000Z', examples: ['2026-01-31T00:00:00.000Z'] });
export const Identifier = Type.String({ minLength: 1, maxLength: 100 });
export const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
  maxProperties: 50,
  description: 'Up to 50 string key-value pairs; keys of at most 40 characters, values of at most 500.',
});
export const FeatureKey = Type.String({ minLength: 1, maxLength: 100 });
export const IdempotencyKeyField = Type.String({ minLength: 1, maxLength: 255 });

export const walletReference = {
  customerId: Identifier,
  unit: Type.String({ minLength: 1, maxLength: 64 }),
  walletKey: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
};

export function strictObject<Properties extends Record<string, TSchema>>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

export const CreateCustomerBody = strictObject({
  id: Type.Optional(Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$',
      description: 'Up to 100 letters, digits, _ . : or -, starting with a letter or digit: your own ID for the customer (generated, cus_…, when omitted).',
    })),
  externalId: Type.Optional(Type.Union([Identifier, Type.Null()])),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

/**
 * Creating a unit, setting a wallet and advancing the test clock are idempotent
 * by nature (repeating them changes nothing), so they accept a key and need no record of it.
 */
export const CreateUnitBody = strictObject({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  scale: Type.Integer({ minimum: 0, maximum: 10 }),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const PeriodText = Type.String({ pattern: '^P[1-9][0-9]{0,3}[DWMY]$', description: 'An ISO 8601 duration of one unit: PnD, PnW, PnM or PnY (n from 1 to 9999).', examples: ['P1M'] });

export const UpsertWalletBody = strictObject({
  ...walletReference,
  overdraftLimit: Type.Optional(Amount),
  usagePeriod: Type.Optional(
    Type.Union([strictObject({ period: PeriodText, anchor: Timestamp }), Type.Null()], {
      description: 'The usage period: boundaries at anchor + k × period (calendar-correct, UTC). Resets and usage counting follow it. null removes it.',
    }),
  ),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const CreateGrantBody = strictObject({
  ...walletReference,
  amount: Amount,
  category: Type.Optional(Type.Union([Type.Literal('paid'), Type.Literal('promotional')])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  effectiveAt: Type.Optional(Timestamp),
  expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  cost: Type.Optional(Type.Union([strictObject({ amount: Amount, currency: Currency }), Type.Null()])),
  appliesTo: Type.Optional(Type.Array(FeatureKey, { maxItems: 100 })),
  recurrencePeriod: Type.Optional(Type.Union([PeriodText, Type.Null()])),
  recurrenceEndsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  resetMaxRollover: Type.Optional(Type.Union([Amount, Type.Null()])),
  resetMinRollover: Type.Optional(Type.Union([Amount, Type.Null()])),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const UpdateGrantBody = strictObject({
  expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const EmptyActionBody = strictObject({ idempotencyKey: Type.Optional(IdempotencyKeyField) });

const debitFields = {
  ...walletReference,
  amount: Amount,
  feature: Type.Optional(Type.Union([FeatureKey, Type.Null()])),
  onInsufficient: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('partial'), Type.Literal('overdraft')])),
  occurredAt: Type.Optional(Timestamp),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
};
export const CreateDebitBody = strictObject(debitFields);
export const DebitBatchBody = strictObject({
  debits: Type.Array(strictObject(debitFields), { minItems: 1, maxItems: 1000 }),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const CreateHoldBody = strictObject({
  ...walletReference,
  amount: Amount,
  feature: Type.Optional(Type.Union([FeatureKey, Type.Null()])),
  expiresAt: Type.Optional(Timestamp),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const CaptureHoldBody = strictObject({
  amount: Type.Optional(Amount),
  metadata: Type.Optional(Metadata),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const AdvanceClockBody = strictObject({ to: Timestamp, idempotencyKey: Type.Optional(IdempotencyKeyField) });

export const pageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'How many to return: 1 to 100, default 10.' })),
  startingAfter: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The last ID of the previous page: returns the page after it.' })),
};

export const ListQuery = strictObject(pageQuery);
export const ListWalletsQuery = strictObject({ ...pageQuery, customerId: Type.Optional(Identifier), unit: Type.Optional(Type.String()) });
export const ListGrantsQuery = strictObject({
  ...pageQuery,
  customerId: Type.Optional(Identifier),
  unit: Type.Optional(Type.String()),
  walletKey: Type.Optional(Type.String()),
  status: Type.Optional(
    Type.Union(['payment_pending', 'scheduled', 'active', 'expired', 'voided'].map((status) => Type.Literal(status))),
  ),
  includeVoided: Type.Optional(Type.Boolean({ description: 'Include voided grants (default false).' })),
});
export const BalanceQuery = strictObject({ ...walletReference, walletKey: Type.Optional(Type.String({ maxLength: 200 })), at: Type.Optional(Timestamp) });
export const IdParams = strictObject({ id: Identifier });
export const ListSchedulesQuery = strictObject({ ...pageQuery, customerId: Type.Optional(Identifier), unit: Type.Optional(Type.String()) });

export type CreateGrantBodyType = Static<typeof CreateGrantBody>;
export type CreateDebitBodyType = Static<typeof CreateDebitBody>;
export type PageQueryType = Static<typeof ListQuery>;

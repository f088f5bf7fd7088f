import { Type, type TSchema } from '@sinclair/typebox';

/** Paygentic request shapes (see docs/vendor-wire-facts.md#paygentic-api-v1). */
function strictObject<Properties extends Record<string, TSchema>>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

/** Entitlement IDs are the caller's own (Paygentic's `ent_…`); they become part of a wallet key. */
export const EntitlementParams = strictObject({ entitlementId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' }) });
export const GrantParams = strictObject({
  entitlementId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' }),
  grantId: Type.String({ minLength: 1, maxLength: 100 }),
});

/**
 * A decimal string, spelled as the native API takes it (an exponent, "1e20", means
 * the same as the digits); the engine holds it to 25 digits and the unit's decimal
 * places, with its own messages. A number too large to send exactly is told to come
 * as a string, so every amount field takes one.
 */
const DecimalString = Type.String({ pattern: '^\\d+(\\.\\d+)?([eE][+-]?\\d+)?$' });

/** A credit amount: a JSON number, read exactly through its shortest decimal form, or a decimal string. */
const CreditAmount = Type.Union([Type.Number({ exclusiveMinimum: 0 }), DecimalString]);
const DateTime = Type.String({ minLength: 1, maxLength: 64 });
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 255 });
/** Paygentic sends rollover caps as numbers; a decimal string is taken too, as for amounts (and null means none). */
const Rollover = Type.Union([Type.Number({ minimum: 0 }), DecimalString, Type.Null()]);

export const CreateGrantBody = strictObject({
  amount: CreditAmount,
  idempotencyKey: IdempotencyKey,
  effectiveAt: Type.Optional(DateTime),
  expiresAt: Type.Optional(Type.Union([DateTime, Type.Null()])),
  resetMaxRollover: Type.Optional(Rollover),
  resetMinRollover: Type.Optional(Rollover),
  /** Only null is accepted: Paygentic's requests carry no recurrence (recurring grants are made natively). */
  recurrencePeriod: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const PurchaseGrantBody = strictObject({
  amount: CreditAmount,
  /** A decimal string in the server's default currency, e.g. "5.00" (at least "0.50"; the currency's decimals are checked). */
  price: Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$' }),
  idempotencyKey: IdempotencyKey,
  effectiveAt: Type.Optional(DateTime),
  expiresAt: Type.Optional(Type.Union([DateTime, Type.Null()])),
  successUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  cancelUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  paymentExpiresAt: Type.Optional(DateTime),
  resetMaxRollover: Type.Optional(Rollover),
  resetMinRollover: Type.Optional(Rollover),
});

/** The client always sends all three, e.g. `?includeVoided=false&limit=20&offset=0`. */
export const ListGrantsQuery = strictObject({
  includeVoided: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })),
  offset: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$' })),
});

export const NoQuery = strictObject({});

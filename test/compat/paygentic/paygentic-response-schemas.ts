import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Paygentic's response shapes as its client validates them (docs/vendor-wire-facts.md#paygentic-api-v1),
 * strict: a missing, extra or mistyped field fails. `recurrencePeriod` and
 * `idempotencyKey` must be present even when null.
 */
function exact<Properties extends Record<string, TSchema>>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

/** RFC 3339 with `Z` or an offset. */
const DateTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' });
const Nullable = <Schema extends TSchema>(schema: Schema) => Type.Union([schema, Type.Null()]);

export const PaygenticGrant = exact({
  object: Type.Literal('grant'),
  id: Type.String({ pattern: '^grt_' }),
  entitlementId: Type.String(),
  amount: Type.Number(),
  effectiveAt: DateTime,
  expiresAt: Nullable(DateTime),
  voidedAt: Nullable(DateTime),
  createdAt: DateTime,
  recurrencePeriod: Nullable(Type.String()),
  idempotencyKey: Nullable(Type.String()),
  resetMaxRollover: Type.Optional(Type.Number()),
  resetMinRollover: Type.Optional(Type.Number()),
});

export const PaygenticGrantList = exact({
  object: Type.Literal('list'),
  data: Type.Array(PaygenticGrant),
  pagination: exact({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }),
});

export const PaygenticEntitlement = exact({
  object: Type.Literal('entitlement'),
  id: Type.String(),
  customerId: Type.String(),
  featureId: Type.String(),
  featureKey: Type.String(),
  featureType: Type.Literal('metered'),
  subscriptionId: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('canceled'), Type.Literal('expired')]),
  activeFrom: DateTime,
  activeTo: Nullable(DateTime),
  hasAccess: Type.Boolean(),
  isSoftLimit: Type.Boolean(),
  balance: Type.Number(),
  usageInPeriod: Type.Number(),
  overage: Type.Number(),
  currentPeriodStart: Nullable(DateTime),
  currentPeriodEnd: Nullable(DateTime),
});

/** Flat: `error` is a string, never an object; `details` a string-keyed object. */
export const PaygenticError = exact({
  message: Type.String({ minLength: 1 }),
  error: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const PaygenticPurchase = exact({
  object: Type.Literal('grant_purchase'),
  invoiceId: Type.String(),
  entitlementId: Type.String(),
  grantAmount: Type.Number(),
  price: Type.String({ pattern: '^\\d+(\\.\\d+)?$' }),
  currency: Type.String({ pattern: '^[a-z]{3}$' }),
  paymentSessions: Type.Array(exact({ url: Type.String({ pattern: '^https?://' }), expiresAt: Type.Optional(DateTime), amount: Type.Optional(Type.Integer()) })),
});

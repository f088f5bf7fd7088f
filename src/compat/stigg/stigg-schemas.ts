import { Type, type TSchema } from '@sinclair/typebox';

/** Stigg request shapes (API 7.x; see docs/vendor-wire-facts.md#stigg-api-7x). */
function strictObject<Properties extends Record<string, TSchema>>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

/** Stigg's own ID patterns; customer and resource IDs are capped at Creditbook's 100 characters. */
export const CustomerId = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9_|.@-]*$', maxLength: 100 });
export const CurrencyId = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9_|.-]*$', maxLength: 255 });
export const ResourceId = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9_|.-]*$', maxLength: 100 });

/**
 * A JSON number, read exactly through its shortest decimal form; a decimal string is
 * accepted for amounts no number holds, spelled as the native API takes it (an
 * exponent, "1e20", means the same as the digits). The digit and decimal-place
 * limits are the engine's, with its messages: a number too large to send exactly is
 * told to come as a string, so the string must be taken here.
 */
const CreditAmount = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$' })]);
const DateTime = Type.String({ minLength: 1, maxLength: 64 });
const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 50 });

export const CreateGrantBody = strictObject({
  displayName: Type.String({ maxLength: 255 }),
  amount: CreditAmount,
  grantType: Type.Union([Type.Literal('PAID'), Type.Literal('PROMOTIONAL')]),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  effectiveAt: Type.Optional(DateTime),
  expireAt: Type.Optional(DateTime),
  metadata: Type.Optional(Metadata),
  cost: Type.Optional(strictObject({ amount: CreditAmount, currency: Type.String({ pattern: '^[a-z]{3}$' }) })),
  comment: Type.Optional(Type.String({ maxLength: 255 })),
  customerId: CustomerId,
  resourceId: Type.Optional(ResourceId),
  currencyId: CurrencyId,
  paymentCollectionMethod: Type.Optional(Type.Union([Type.Literal('CHARGE'), Type.Literal('INVOICE'), Type.Literal('NONE')])),
  awaitPaymentConfirmation: Type.Optional(Type.Boolean()),
  billingInformation: Type.Optional(
    strictObject({
      isInvoicePaid: Type.Optional(Type.Boolean()),
      invoiceDaysUntilDue: Type.Optional(Type.Number()),
      billingAddress: Type.Optional(
        strictObject({
          city: Type.Optional(Type.String()),
          country: Type.Optional(Type.String()),
          line1: Type.Optional(Type.String()),
          line2: Type.Optional(Type.String()),
          postalCode: Type.Optional(Type.String()),
          state: Type.Optional(Type.String()),
        }),
      ),
    }),
  ),
});

const Limit = Type.String({ pattern: '^(100|[1-9][0-9]?)$' });
const Cursor = Type.String({ minLength: 1, maxLength: 100 });
const cursorPage = { limit: Type.Optional(Limit), after: Type.Optional(Cursor), before: Type.Optional(Cursor) };

/** Query strings; `createdAt[gte]` arrives as a flat key (brackets raw or %-encoded). */
export const ListGrantsQuery = strictObject({
  customerId: CustomerId,
  currencyId: Type.Optional(CurrencyId),
  resourceId: Type.Optional(ResourceId),
  ...cursorPage,
  'createdAt[gt]': Type.Optional(DateTime),
  'createdAt[gte]': Type.Optional(DateTime),
  'createdAt[lt]': Type.Optional(DateTime),
  'createdAt[lte]': Type.Optional(DateTime),
});

export const LedgerQuery = strictObject({
  customerId: CustomerId,
  currencyId: Type.Optional(CurrencyId),
  resourceId: Type.Optional(ResourceId),
  ...cursorPage,
});

export const ConsumptionBody = strictObject({
  customerId: CustomerId,
  currencyId: CurrencyId,
  amount: CreditAmount,
  idempotencyKey: Type.String({ minLength: 1, maxLength: 255 }),
  resourceId: Type.Optional(ResourceId),
  createdAt: Type.Optional(DateTime),
  dimensions: Type.Optional(
    Type.Record(Type.String({ maxLength: 40 }), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), { maxProperties: 50 }),
  ),
});

/** Kept on the unit (migration 11) and returned; sizes are Creditbook's caps, metadata follows the native rules (schemas.ts, domain/metadata.ts). */
export const CustomCurrencyBody = strictObject({
  id: CurrencyId,
  displayName: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  metadata: Type.Optional(Metadata),
  symbol: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  units: Type.Optional(strictObject({ plural: Type.String({ minLength: 1, maxLength: 100 }), singular: Type.String({ minLength: 1, maxLength: 100 }) })),
});

export const AutoRechargeQuery = strictObject({ customerId: CustomerId, currencyId: CurrencyId });
export const GrantIdParams = strictObject({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const NoQuery = strictObject({});

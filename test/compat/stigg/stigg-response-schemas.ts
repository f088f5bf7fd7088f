import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Stigg's documented response shapes (the seed's CreditGrantResponseDto, the
 * client's ledger, consumption, custom-currency and auto-recharge types), strict:
 * every object rejects a missing, extra or mistyped field.
 */
function exact<Properties extends Record<string, TSchema>>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

const DateTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' });
const Nullable = <Schema extends TSchema>(schema: Schema) => Type.Union([schema, Type.Null()]);
const oneOf = (...values: string[]) => Type.Union(values.map((value) => Type.Literal(value)));

export const StiggGrant = exact({
  id: Type.String({ maxLength: 255 }),
  displayName: Type.String({ maxLength: 255 }),
  amount: Type.Number(),
  consumedAmount: Type.Number(),
  grantType: oneOf('PAID', 'PROMOTIONAL', 'RECURRING', 'OVERDRAFT'),
  sourceType: Nullable(oneOf('PRICE', 'PLAN_ENTITLEMENT', 'ADDON_ENTITLEMENT')),
  priority: Type.Number(),
  effectiveAt: DateTime,
  expireAt: Nullable(DateTime),
  voidedAt: Nullable(DateTime),
  metadata: Type.Record(Type.String(), Type.String()),
  cost: exact({ amount: Type.Number(), currency: Type.String({ maxLength: 255 }) }),
  comment: Nullable(Type.String({ maxLength: 255 })),
  customerId: Type.String({ maxLength: 255 }),
  resourceId: Nullable(Type.String({ maxLength: 255 })),
  currencyId: Type.String({ maxLength: 255 }),
  invoiceId: Nullable(Type.String()),
  // Creditbook never has an invoice for a grant; the documented invoice object is not expected.
  latestInvoice: Type.Null(),
  paymentCollection: oneOf('NOT_REQUIRED', 'PROCESSING', 'FAILED', 'ACTION_REQUIRED'),
  status: oneOf('PAYMENT_PENDING', 'ACTIVE', 'EXPIRED', 'VOIDED', 'SCHEDULED'),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const GrantResponse = exact({ data: StiggGrant });

const Pagination = exact({ next: Nullable(Type.String()), prev: Nullable(Type.String()) });

export const GrantListResponse = exact({ data: Type.Array(StiggGrant), pagination: Pagination });

export const LedgerEntry = exact({
  amount: Type.Number(),
  creditCurrencyId: Type.String(),
  // Null only for credit that no grant paid (an overdraft).
  creditGrantId: Nullable(Type.String()),
  customerId: Type.String(),
  eventId: Nullable(Type.String()),
  eventType: oneOf('CREDITS_GRANTED', 'CREDITS_EXPIRED', 'CREDITS_CONSUMED', 'CREDITS_VOIDED', 'CREDITS_UPDATED'),
  featureId: Nullable(Type.String()),
  resourceId: Nullable(Type.String()),
  timestamp: DateTime,
});

export const LedgerResponse = exact({ data: Type.Array(LedgerEntry), pagination: Pagination });

export const ConsumptionResponse = exact({
  data: exact({
    amount: Type.Number(),
    currencyId: Type.String(),
    customerId: Type.String(),
    timestamp: DateTime,
    credit: Nullable(
      exact({ currencyId: Type.String(), currentUsage: Type.Number(), timestamp: DateTime, usageLimit: Type.Number(), usagePeriodEnd: Nullable(DateTime) }),
    ),
    resourceId: Nullable(Type.String()),
  }),
});

export const CustomCurrencyResponse = exact({
  data: exact({
    id: Type.String(),
    archivedAt: Nullable(DateTime),
    createdAt: DateTime,
    description: Nullable(Type.String()),
    displayName: Type.String(),
    metadata: Type.Record(Type.String(), Type.String()),
    symbol: Nullable(Type.String()),
    units: Nullable(exact({ plural: Nullable(Type.String()), singular: Nullable(Type.String()) })),
    updatedAt: DateTime,
  }),
});

export const AutoRechargeResponse = exact({
  data: exact({
    id: Nullable(Type.String()),
    createdAt: Nullable(DateTime),
    currencyId: Type.String(),
    customerId: Type.String(),
    grantExpirationPeriod: oneOf('1_MONTH', '1_YEAR'),
    isEnabled: Type.Boolean(),
    maxSpendLimit: Nullable(Type.Number()),
    targetBalance: Type.Number(),
    thresholdType: oneOf('CREDIT_AMOUNT', 'DOLLAR_AMOUNT'),
    thresholdValue: Type.Number(),
    updatedAt: Nullable(DateTime),
  }),
});

export const StiggErrorResponse = exact({ message: Type.String(), code: Nullable(Type.String()) });

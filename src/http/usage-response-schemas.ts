import { Type } from '@sinclair/typebox';
import { AmountText, MetadataView, Nullable, NullableText, NullableTime, StringEnum, Time, view, WalletKeyView } from './response-schemas.ts';

/** Response schemas of features, prices, usage events and entitlement checks. */
const DimensionsView = Type.Record(Type.String(), Type.String(), { description: 'Dimension values, e.g. {"model": "large"}.' });

export const FeatureView = view(
  {
    object: Type.Literal('feature'),
    key: Type.String(),
    name: NullableText,
    dimensions: Type.Array(Type.String(), { description: 'The dimension names events and price filters may use.' }),
    quantityScale: Type.Integer({ description: 'Decimal places a quantity may have.' }),
    createdAt: Time,
  },
  'Something customers use, rated by its prices.',
);

export const PriceView = view(
  {
    object: Type.Literal('price'),
    id: Type.String(),
    feature: Type.String(),
    unit: Type.String(),
    amount: AmountText,
    per: AmountText,
    dimensions: DimensionsView,
    customerId: NullableText,
    minimum: Nullable(AmountText),
    effectiveAt: Time,
    metadata: MetadataView,
    createdAt: Time,
  },
  'Credits per `per` of quantity of a feature, from `effectiveAt`.',
);

export const UsageEventView = view(
  {
    object: Type.Literal('usage_event'),
    id: Type.String(),
    customerId: Type.String(),
    feature: Type.String(),
    quantity: AmountText,
    dimensions: DimensionsView,
    timestamp: Time,
    unit: Type.String(),
    walletKey: WalletKeyView,
    price: PriceView,
    cost: AmountText,
    consumed: AmountText,
    overdrawn: AmountText,
    shortfall: AmountText,
    allocations: Type.Array(view({ grantId: Type.String(), amount: AmountText }, 'What one grant paid.')),
    debitId: NullableText,
    reservationId: NullableText,
    metadata: MetadataView,
    createdAt: Time,
    balanceAfter: Type.Optional(
      view({ available: AmountText, held: AmountText, overdraft: AmountText }, 'The wallet right after booking (in the answer to the first send).'),
    ),
    duplicate: Type.Optional(Type.Boolean({ description: 'True when this ID was sent before: the answer is what the first send booked.' })),
  },
  'A usage event as rated and booked.',
);

export const EntitlementCheckView = view(
  {
    object: Type.Literal('entitlement_check'),
    allowed: Type.Boolean(),
    cost: AmountText,
    available: AmountText,
    reason: StringEnum(['ok', 'insufficient_balance']),
    customerId: Type.String(),
    feature: Type.String(),
    quantity: AmountText,
    unit: Type.String(),
    walletKey: WalletKeyView,
    price: PriceView,
    reservationId: NullableText,
    reservationExpiresAt: NullableTime,
    checkedAt: Time,
  },
  'Whether this usage can be paid for now.',
);

export const UsageReportView = view(
  {
    object: Type.Literal('usage_report'),
    customerId: Type.String(),
    feature: NullableText,
    from: Time,
    to: Time,
    interval: StringEnum(['hour', 'day', 'month', 'total']),
    groupBy: NullableText,
    data: Type.Array(
      view(
        {
          start: Time,
          end: Time,
          group: NullableText,
          unit: Type.String(),
          events: Type.Integer(),
          quantity: AmountText,
          cost: AmountText,
          charged: AmountText,
          shortfall: AmountText,
        },
        'One bucket (and group): what was used, what it cost, what was charged and what nothing covered.',
      ),
    ),
  },
  "A customer's usage per bucket of time.",
);

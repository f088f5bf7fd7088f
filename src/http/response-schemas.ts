import { Type, type Static, type TSchema, type TString, type TInteger, type TBoolean, type TUnsafe } from '@sinclair/typebox';

/**
 * Response schemas. Each route declares them (see route-contract.ts): Fastify
 * serialises the body through them and /openapi.json publishes them, so the
 * document is what the server sends. Presenters are typed by them, and every
 * object is closed (`additionalProperties: false`): a field a presenter adds
 * without a schema fails to compile, and in tests a payload that does not match
 * its schema exactly fails the request (server option `checkResponse`).
 */

/** A nullable string, integer or boolean as one `type: [t, "null"]`, which the serialiser writes without trying branches. */
export function Nullable<T extends TString | TInteger | TBoolean>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

/** A nullable object: `anyOf [object, null]`. */
export function NullableObject<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A closed set of strings, written as one `enum` (the serialiser need not try each literal). */
export function StringEnum<const Values extends readonly string[]>(values: Values, options: { description?: string } = {}): TUnsafe<Values[number]> {
  return Type.Unsafe<Values[number]>({ type: 'string', enum: [...values], ...options });
}

/** A response object: closed, so no field is sent that the document does not name. */
export function view<Properties extends Record<string, TSchema>>(properties: Properties, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}

export function listOf<Item extends TSchema>(item: Item, description: string) {
  return view({ object: Type.Literal('list'), data: Type.Array(item), hasMore: Type.Boolean() }, description);
}

export const AmountText = Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'A decimal amount, exact, as a string.', examples: ['12.5'] });
export const Time = Type.String({ description: 'RFC 3339 in UTC with milliseconds.', examples: ['2026-01-31T00:00:00.000Z'] });
export const NullableTime = Nullable(Time);
export const NullableText = Nullable(Type.String());
export const MetadataView = Type.Record(Type.String(), Type.String(), { description: 'String key-value pairs.' });
export const WalletKeyView = Nullable(Type.String({ description: "The wallet's key; null for the customer's default wallet in the unit." }));

const GrantStatusView = StringEnum(['payment_pending', 'scheduled', 'active', 'expired', 'voided']);
const GrantCategoryView = StringEnum(['paid', 'promotional']);
const Allocations = Type.Array(view({ grantId: Type.String(), amount: AmountText }, 'What one grant paid.'));

export const GrantView = view(
  {
    object: Type.Literal('grant'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    walletId: Type.String(),
    amount: AmountText,
    available: AmountText,
    held: AmountText,
    consumed: AmountText,
    expired: AmountText,
    voided: AmountText,
    status: GrantStatusView,
    category: GrantCategoryView,
    priority: Type.Integer(),
    effectiveAt: Time,
    expiresAt: NullableTime,
    voidedAt: NullableTime,
    createdAt: Time,
    name: NullableText,
    metadata: MetadataView,
    cost: NullableObject(view({ amount: AmountText, currency: NullableText }, 'What the customer paid for it.')),
    appliesTo: Type.Array(Type.String(), { description: 'Feature keys it pays for; empty: every feature.' }),
    source: StringEnum(['manual', 'recurring', 'purchase']),
    scheduleId: NullableText,
    recurrencePeriod: NullableText,
    resetMaxRollover: Nullable(AmountText),
    resetMinRollover: Nullable(AmountText),
    rolledOver: AmountText,
  },
  'A grant of credits to a wallet.',
);

export const ScheduleView = view(
  {
    object: Type.Literal('grant_schedule'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    amount: AmountText,
    category: GrantCategoryView,
    priority: Type.Integer(),
    appliesTo: Type.Array(Type.String()),
    recurrencePeriod: Type.String(),
    anchor: Time,
    issuedCount: Type.Integer(),
    endsAt: NullableTime,
    status: StringEnum(['active', 'cancelled']),
    cancelledAt: NullableTime,
    resetMaxRollover: Nullable(AmountText),
    resetMinRollover: Nullable(AmountText),
    name: NullableText,
    metadata: MetadataView,
    createdAt: Time,
  },
  'A recurring grant: issues a grant at every boundary of its period.',
);

export const DebitView = view(
  {
    object: Type.Literal('debit'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    amount: AmountText,
    consumed: AmountText,
    overdrawn: AmountText,
    shortfall: AmountText,
    feature: NullableText,
    onInsufficient: StringEnum(['reject', 'partial', 'overdraft', 'usage'], { description: "What it did when credits ran short; 'usage' for a debit made by recording rated usage." }),
    holdId: NullableText,
    allocations: Allocations,
    occurredAt: Time,
    createdAt: Time,
    metadata: MetadataView,
  },
  'A debit: credits consumed from a wallet.',
);

export const HoldView = view(
  {
    object: Type.Literal('hold'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    amount: AmountText,
    capturedAmount: AmountText,
    feature: NullableText,
    status: StringEnum(['active', 'captured', 'released', 'expired']),
    expiresAt: Time,
    allocations: Allocations,
    debitId: NullableText,
    debit: NullableObject(DebitView),
    createdAt: Time,
    endedAt: NullableTime,
    metadata: MetadataView,
  },
  'A hold: credits reserved until captured, released or expired.',
);

export const BalanceView = view(
  {
    object: Type.Literal('balance'),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    at: Time,
    available: AmountText,
    held: AmountText,
    scheduled: AmountText,
    overdraft: AmountText,
    net: AmountText,
    overdraftLimit: AmountText,
    currentPeriodStart: NullableTime,
    currentPeriodEnd: NullableTime,
    usageInPeriod: Nullable(AmountText),
    grants: Type.Array(
      view(
        {
          grantId: Type.String(),
          status: GrantStatusView,
          category: GrantCategoryView,
          priority: Type.Integer(),
          available: AmountText,
          held: AmountText,
          effectiveAt: Time,
          expiresAt: NullableTime,
          rolledOver: AmountText,
        },
        'A grant that counts in the balance.',
      ),
    ),
  },
  "A wallet's balance at a moment.",
);

export const LedgerEntryView = view(
  {
    object: Type.Literal('ledger_entry'),
    id: Type.String(),
    walletId: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    sequence: Type.Integer(),
    type: StringEnum(['grant', 'debit', 'hold', 'release', 'capture', 'expiry', 'void', 'overdraft', 'repayment', 'adjustment']),
    grantId: NullableText,
    debitId: NullableText,
    holdId: NullableText,
    amount: AmountText,
    heldAmount: AmountText,
    balanceAfter: AmountText,
    heldAfter: AmountText,
    effectiveAt: Time,
    createdAt: Time,
  },
  "One entry of a wallet's append-only ledger.",
);

export const CustomerView = view(
  {
    object: Type.Literal('customer'),
    id: Type.String(),
    externalId: NullableText,
    name: NullableText,
    email: NullableText,
    metadata: MetadataView,
    createdAt: Time,
  },
  'A customer.',
);

export const UnitView = view(
  { object: Type.Literal('unit'), code: Type.String(), scale: Type.Integer(), name: NullableText, createdAt: Time },
  'A unit of credits and its decimal places.',
);

export const WalletView = view(
  {
    object: Type.Literal('wallet'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    overdraftLimit: AmountText,
    usagePeriod: NullableObject(view({ period: Type.String(), anchor: Time }, 'The usage period: boundaries at anchor + k × period.')),
    createdAt: Time,
  },
  "A customer's wallet in a unit.",
);

export const EventView = view(
  {
    object: Type.Literal('event'),
    id: Type.String(),
    type: Type.String(),
    data: Type.Object({}, { additionalProperties: true, description: "The event's payload; its shape depends on the type." }),
    createdAt: Time,
  },
  'Something that happened, as webhooks deliver it.',
);

export const TestClockView = view({ object: Type.Literal('test_clock'), frozen: Type.Boolean(), now: Time }, "The test environment's clock.");
export const AdvancedTestClockView = view(
  {
    object: Type.Literal('test_clock'),
    frozen: Type.Boolean(),
    now: Time,
    complete: Type.Boolean({ description: 'False when the call stopped short (of `to`, or of booking every wallet due) to bound its work: advance again to the same `to`.' }),
  },
  "The test environment's clock after advancing it.",
);

export type GrantViewType = Static<typeof GrantView>;
export type DebitViewType = Static<typeof DebitView>;

import { Type } from '@sinclair/typebox';
import { AmountText, MetadataView, Nullable, NullableObject, NullableText, NullableTime, StringEnum, Time, view, WalletKeyView } from './response-schemas.ts';

/**
 * Response schemas of purchases, invoices, webhooks, balance alerts and auto
 * top-up. Credits are decimal strings; money is integer minor units
 * (`amount: 500` is 5.00 USD), with the decimal form beside it where a person
 * reads it (`price: "5.00"`).
 */
const MinorUnits = Type.Integer({ description: 'Money in minor units of the currency (500 is 5.00 USD).' });
const MoneyText = Type.String({ pattern: '^\\d+(\\.\\d+)?$', description: 'Money as a decimal string in the currency.', examples: ['5.00'] });
const Currency = Type.String({ description: 'Lower-case ISO 4217 code.', examples: ['usd'] });

export const InvoiceView = view(
  {
    object: Type.Literal('invoice'),
    id: Type.String(),
    customerId: Type.String(),
    purchaseId: Type.String(),
    status: StringEnum(['open', 'paid', 'void']),
    currency: Currency,
    amount: MinorUnits,
    lines: Type.Array(view({ description: Type.String(), quantity: AmountText, unit: Type.String(), amount: MinorUnits }, 'One line: credits bought.')),
    createdAt: Time,
    paidAt: NullableTime,
    voidedAt: NullableTime,
  },
  'The invoice of a purchase.',
);

export const PurchaseView = view(
  {
    object: Type.Literal('purchase'),
    id: Type.String(),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    walletId: Type.String(),
    amount: AmountText,
    price: MoneyText,
    currency: Currency,
    status: StringEnum(['open', 'paid', 'expired', 'canceled', 'failed']),
    source: StringEnum(['checkout', 'auto_top_up']),
    grantId: Type.String(),
    invoiceId: Type.String(),
    invoice: InvoiceView,
    provider: Type.String(),
    paymentSession: NullableObject(
      view({ id: Type.String(), url: NullableText, expiresAt: Time, amount: MinorUnits }, 'The checkout session the customer pays in.'),
    ),
    paymentExpiresAt: Time,
    paymentReference: NullableText,
    latePayment: NullableObject(view({ reference: Type.String(), at: NullableTime }, 'A payment that arrived after the purchase closed.')),
    successUrl: NullableText,
    cancelUrl: NullableText,
    metadata: MetadataView,
    createdAt: Time,
    paidAt: NullableTime,
    closedAt: NullableTime,
  },
  'A purchase of credits: a pending grant, an invoice and a checkout.',
);

export const WebhookEndpointView = view(
  {
    object: Type.Literal('webhook_endpoint'),
    id: Type.String(),
    url: Type.String(),
    eventTypes: Type.Array(Type.String()),
    description: NullableText,
    createdAt: Time,
    previousSecretExpiresAt: { ...NullableTime, description: 'Until then, deliveries are signed with the secret before the last rotation as well.' },
    secret: Type.Optional(Type.String({ description: 'Signs every delivery (Standard Webhooks). Only in the answer to its creation or a rotation.' })),
  },
  'Where events are delivered.',
);

export const DeletedWebhookEndpointView = view(
  { object: Type.Literal('webhook_endpoint'), id: Type.String(), deleted: Type.Literal(true) },
  'The endpoint is deleted: it receives nothing more.',
);

export const DeliveryView = view(
  {
    object: Type.Literal('webhook_delivery'),
    id: Type.String(),
    endpointId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    status: StringEnum(['pending', 'delivered', 'failed', 'canceled']),
    attemptCount: Type.Integer(),
    nextAttemptAt: NullableTime,
    lastAttemptAt: NullableTime,
    lastStatusCode: Nullable(Type.Integer()),
    lastError: NullableText,
    createdAt: Time,
    deliveredAt: NullableTime,
    attempts: Type.Array(
      view(
        {
          attempt: Type.Integer(),
          trigger: StringEnum(['automatic', 'manual']),
          startedAt: Time,
          durationMs: Type.Integer(),
          statusCode: Nullable(Type.Integer()),
          error: NullableText,
          responseBody: NullableText,
        },
        'One HTTP attempt.',
      ),
    ),
  },
  'One event for one endpoint, with its attempts.',
);

export const BalanceSettingsView = view(
  {
    object: Type.Literal('balance_settings'),
    customerId: Type.String(),
    unit: Type.String(),
    walletKey: WalletKeyView,
    lowBalanceThreshold: Nullable(AmountText),
    autoTopUp: NullableObject(
      view(
        {
          threshold: AmountText,
          amount: Nullable(AmountText),
          targetBalance: Nullable(AmountText),
          unitPrice: AmountText,
          currency: Currency,
          paymentMethodId: Type.String(),
          monthlyLimit: Nullable(MoneyText),
        },
        'Buys credits when the balance falls below the threshold.',
      ),
    ),
    autoTopUpState: view(
      {
        inFlight: NullableText,
        declinesInARow: Type.Integer(),
        pausedUntil: NullableTime,
        spentThisMonth: Nullable(MoneyText),
      },
      "The auto top-up's running state.",
    ),
  },
  "A wallet's balance alert and auto top-up.",
);

export const PaymentMethodView = view(
  {
    object: Type.Literal('payment_method'),
    id: Type.String(),
    customerId: Type.String(),
    provider: Type.String(),
    description: Type.String(),
    testCard: NullableText,
    stripePaymentMethod: NullableText,
    stripeCustomer: NullableText,
    createdAt: Time,
  },
  "A customer's saved payment method.",
);

export const AutoTopUpView = view(
  {
    object: Type.Literal('auto_top_up'),
    id: Type.String(),
    customerId: Type.String(),
    walletId: Type.String(),
    status: StringEnum(['requested', 'processing', 'succeeded', 'declined', 'skipped']),
    amount: AmountText,
    price: MoneyText,
    currency: Currency,
    paymentMethodId: Type.String(),
    purchaseId: NullableText,
    reason: NullableText,
    balanceAtTrigger: AmountText,
    attempts: Type.Integer(),
    createdAt: Time,
    completedAt: NullableTime,
  },
  'One auto top-up: a purchase made because the balance fell low.',
);

import { Type } from '@sinclair/typebox';
import { Amount, Currency, FeatureKey, IdempotencyKeyField, Identifier, Metadata, pageQuery, strictObject, Timestamp, walletReference } from './schemas.ts';

/** Request schemas of purchases, invoices, webhooks, balance alerts and auto top-up (validation and /openapi.json). */

const Price = Type.String({ pattern: '^\\d{1,12}(\\.\\d+)?$', description: 'A decimal string in the currency, at least "0.50".', examples: ['5.00'] });
const RedirectUrl = Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()]);
const ProviderName = Type.Union([Type.Literal('test'), Type.Literal('stripe')]);

export const CreatePurchaseBody = strictObject({
  ...walletReference,
  amount: Amount,
  price: Price,
  currency: Type.Optional(Currency),
  effectiveAt: Type.Optional(Timestamp),
  expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  appliesTo: Type.Optional(Type.Array(FeatureKey, { maxItems: 100 })),
  successUrl: Type.Optional(RedirectUrl),
  cancelUrl: Type.Optional(RedirectUrl),
  paymentExpiresAt: Type.Optional(Timestamp),
  provider: Type.Optional(ProviderName),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

const PurchaseStatus = Type.Union(['open', 'paid', 'expired', 'canceled', 'failed'].map((status) => Type.Literal(status)));
export const ListPurchasesQuery = strictObject({ ...pageQuery, customerId: Type.Optional(Identifier), status: Type.Optional(PurchaseStatus) });
const InvoiceStatus = Type.Union(['open', 'paid', 'void'].map((status) => Type.Literal(status)));
export const ListInvoicesQuery = strictObject({ ...pageQuery, customerId: Type.Optional(Identifier), status: Type.Optional(InvoiceStatus) });

export const CreateWebhookEndpointBody = strictObject({
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  eventTypes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    minItems: 1,
    maxItems: 100,
    description: "'*' for every event, exact types ('invoice.paid'), or families ('balance.*').",
  }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const RotateWebhookSecretBody = strictObject({
  gracePeriodSeconds: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, description: 'How long deliveries are signed with the old secret as well (default 86400, one day; 0 stops it at once).' }),
  ),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

const DeliveryStatus = Type.Union(['pending', 'delivered', 'failed', 'canceled'].map((status) => Type.Literal(status)));
export const ListDeliveriesQuery = strictObject({ ...pageQuery, status: Type.Optional(DeliveryStatus) });
export const DeliveryParams = strictObject({ id: Identifier, deliveryId: Identifier });

export const AutoTopUpBody = strictObject({
  threshold: Amount,
  amount: Type.Optional(Amount),
  targetBalance: Type.Optional(Amount),
  unitPrice: Amount,
  currency: Type.Optional(Currency),
  paymentMethodId: Identifier,
  monthlyLimit: Type.Optional(Type.Union([Price, Type.Null()])),
});

export const SetBalanceSettingsBody = strictObject({
  ...walletReference,
  lowBalanceThreshold: Type.Optional(Type.Union([Amount, Type.Null()])),
  autoTopUp: Type.Optional(Type.Union([AutoTopUpBody, Type.Null()])),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const WalletQuery = strictObject({ ...walletReference, walletKey: Type.Optional(Type.String({ maxLength: 200 })) });
export const ListAutoTopUpsQuery = strictObject({ ...pageQuery, ...walletReference, walletKey: Type.Optional(Type.String({ maxLength: 200 })) });

export const CreatePaymentMethodBody = strictObject({
  customerId: Identifier,
  provider: Type.Optional(ProviderName),
  testCard: Type.Optional(Type.Union([Type.Literal('succeeds'), Type.Literal('declines')])),
  stripePaymentMethod: Type.Optional(Type.String({ pattern: '^pm_[A-Za-z0-9_]+$', maxLength: 255 })),
  stripeCustomer: Type.Optional(Type.String({ pattern: '^cus_[A-Za-z0-9_]+$', maxLength: 255 })),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});
export const ListPaymentMethodsQuery = strictObject({ ...pageQuery, customerId: Type.Optional(Identifier) });

/** The hosted checkout's session token, as it appears in its URL. */
export const CheckoutParams = strictObject({ sessionId: Type.String({ pattern: '^cs_test_[A-Za-z0-9_-]{1,100}$' }) });

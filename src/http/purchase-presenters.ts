import type { Static } from '@sinclair/typebox';
import { formatAmount } from '../domain/amount.ts';
import { shownWebhookUrl, type DeliveryWithAttempts } from '../app/webhook-endpoints.ts';
import type { BalanceSettings } from '../app/auto-top-up-settings.ts';
import type { PurchaseWithInvoice } from '../app/purchases.ts';
import { formatMinor } from '../payments/money.ts';
import type { AutoTopUpRecord, PaymentMethodRecord } from '../store/payment-records.ts';
import type { InvoiceRecord } from '../store/payment-records.ts';
import type { WebhookEndpointRecord } from '../store/webhook-records.ts';
import { toOptionalTimestamp, toTimestamp } from '../edge/time.ts';
import { AutoTopUpView, BalanceSettingsView, DeliveryView, InvoiceView, PaymentMethodView, PurchaseView, WebhookEndpointView } from './purchase-response-schemas.ts';
import { walletKeyView } from './presenters.ts';

/**
 * Views of purchases, invoices, webhooks and auto top-up. Credits are decimal
 * strings; money is integer minor units (`amount: 500` is 5.00 USD), with the
 * decimal form beside it where a person reads it (`price: "5.00"`).
 */

export function invoiceView(invoice: InvoiceRecord): Static<typeof InvoiceView> {
  return {
    object: 'invoice',
    id: invoice.id,
    customerId: invoice.customerId,
    purchaseId: invoice.purchaseId,
    status: invoice.status,
    currency: invoice.currency,
    amount: Number(invoice.amountMinor),
    lines: invoice.lines,
    createdAt: toTimestamp(invoice.createdAt),
    paidAt: toOptionalTimestamp(invoice.paidAt),
    voidedAt: toOptionalTimestamp(invoice.voidedAt),
  };
}

export function purchaseView({ purchase, invoice }: PurchaseWithInvoice): Static<typeof PurchaseView> {
  return {
    object: 'purchase',
    id: purchase.id,
    customerId: purchase.customerId,
    unit: purchase.unit,
    walletKey: walletKeyView(purchase.walletKey),
    walletId: purchase.walletId,
    amount: formatAmount(purchase.amount),
    price: formatMinor(purchase.priceMinor, purchase.currency),
    currency: purchase.currency,
    status: purchase.status,
    source: purchase.source,
    grantId: purchase.grantId,
    invoiceId: purchase.invoiceId,
    invoice: invoiceView(invoice),
    provider: purchase.provider,
    paymentSession:
      purchase.sessionId === null
        ? null
        : { id: purchase.sessionId, url: purchase.sessionUrl, expiresAt: toTimestamp(purchase.paymentExpiresAt), amount: Number(purchase.priceMinor) },
    paymentExpiresAt: toTimestamp(purchase.paymentExpiresAt),
    paymentReference: purchase.paymentReference,
    latePayment: purchase.latePaymentReference === null ? null : { reference: purchase.latePaymentReference, at: toOptionalTimestamp(purchase.latePaymentAt) },
    successUrl: purchase.successUrl,
    cancelUrl: purchase.cancelUrl,
    metadata: purchase.metadata,
    createdAt: toTimestamp(purchase.createdAt),
    paidAt: toOptionalTimestamp(purchase.paidAt),
    closedAt: toOptionalTimestamp(purchase.closedAt),
  };
}

/**
 * The secret is in the view only when the endpoint is created or its secret rotated (opened by the app). The URL
 * never shows a user name or password (an endpoint stored before they were refused may hold them): `shownWebhookUrl`.
 */
export function webhookEndpointView(endpoint: WebhookEndpointRecord, options: { withSecret: boolean } = { withSecret: false }): Static<typeof WebhookEndpointView> {
  return {
    object: 'webhook_endpoint',
    id: endpoint.id,
    url: shownWebhookUrl(endpoint.url),
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    createdAt: toTimestamp(endpoint.createdAt),
    /** Until then, deliveries are signed with the secret before the last rotation as well. */
    previousSecretExpiresAt: toOptionalTimestamp(endpoint.previousSecretExpiresAt),
    ...(options.withSecret ? { secret: endpoint.secret } : {}),
  };
}

export function deliveryView({ delivery, attempts }: DeliveryWithAttempts): Static<typeof DeliveryView> {
  return {
    object: 'webhook_delivery',
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? toOptionalTimestamp(delivery.nextAttemptAt) : null,
    lastAttemptAt: toOptionalTimestamp(delivery.lastAttemptAt),
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: toTimestamp(delivery.createdAt),
    deliveredAt: toOptionalTimestamp(delivery.deliveredAt),
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      trigger: attempt.trigger,
      startedAt: toTimestamp(attempt.startedAt),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      error: attempt.error,
      responseBody: attempt.responseBody,
    })),
  };
}

export function balanceSettingsView({ address, settings, spentThisMonth }: BalanceSettings): Static<typeof BalanceSettingsView> {
  const config = settings?.autoTopUp ?? null;
  return {
    object: 'balance_settings',
    customerId: address.customerId,
    unit: address.unit,
    walletKey: walletKeyView(address.walletKey),
    lowBalanceThreshold: settings?.lowBalanceThreshold == null ? null : formatAmount(settings.lowBalanceThreshold),
    autoTopUp:
      config === null
        ? null
        : {
            threshold: formatAmount(config.threshold),
            amount: config.mode === 'fixed' ? formatAmount(config.amount) : null,
            targetBalance: config.mode === 'target' ? formatAmount(config.targetBalance) : null,
            unitPrice: formatAmount(config.unitPrice),
            currency: config.currency,
            paymentMethodId: config.paymentMethodId,
            monthlyLimit: config.monthlyLimitMinor === null ? null : formatMinor(config.monthlyLimitMinor, config.currency),
          },
    autoTopUpState: {
      inFlight: settings?.topUpInFlight ?? null,
      declinesInARow: settings?.declines ?? 0,
      pausedUntil: toOptionalTimestamp(settings?.pausedUntil ?? null),
      spentThisMonth: config === null ? null : formatMinor(spentThisMonth, config.currency),
    },
  };
}

export function paymentMethodView(method: PaymentMethodRecord): Static<typeof PaymentMethodView> {
  return {
    object: 'payment_method',
    id: method.id,
    customerId: method.customerId,
    provider: method.provider,
    description: method.description,
    testCard: method.provider === 'test' ? method.reference : null,
    stripePaymentMethod: method.provider === 'stripe' ? method.reference : null,
    stripeCustomer: method.providerCustomer,
    createdAt: toTimestamp(method.createdAt),
  };
}

export function autoTopUpView(topUp: AutoTopUpRecord): Static<typeof AutoTopUpView> {
  return {
    object: 'auto_top_up',
    id: topUp.id,
    customerId: topUp.customerId,
    walletId: topUp.walletId,
    status: topUp.status,
    amount: formatAmount(topUp.amount),
    price: formatMinor(topUp.priceMinor, topUp.currency),
    currency: topUp.currency,
    paymentMethodId: topUp.paymentMethodId,
    purchaseId: topUp.purchaseId,
    reason: topUp.reason,
    balanceAtTrigger: formatAmount(topUp.balanceAtTrigger),
    attempts: topUp.attempts,
    createdAt: toTimestamp(topUp.createdAt),
    completedAt: toOptionalTimestamp(topUp.completedAt),
  };
}

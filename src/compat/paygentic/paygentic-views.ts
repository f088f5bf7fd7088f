import { formatAmount, type Amount } from '../../domain/amount.ts';
import type { BalanceView } from '../../domain/balance.ts';
import { formatMinor } from '../../payments/money.ts';
import type { GrantRecord, WalletRecord } from '../../store/records.ts';
import type { InvoiceRecord, PurchaseRecord } from '../../store/payment-records.ts';
import { toOptionalTimestamp, toTimestamp } from '../../edge/time.ts';
import { ENTITLEMENT_KEY_PREFIX } from './paygentic-entitlements.ts';

/**
 * Paygentic response shapes. The client validates them strictly, so every object
 * has exactly these fields: `recurrencePeriod` and `idempotencyKey` are present
 * even when null, datetimes are RFC 3339 with `Z`, and amounts are JSON numbers.
 */

/** Where a grant made through this dialect keeps its idempotency key (grants have no column for it). */
export const IDEMPOTENCY_KEY_METADATA = 'paygentic.idempotencyKey';

/**
 * Paygentic amounts are JSON numbers. Amounts that came in through this dialect
 * are exact doubles by construction; a sum of more than 15 significant digits
 * would be rounded by any JSON reader, so the nearest double is what we can send.
 */
export function toJsonNumber(amount: Amount): number {
  return Number(formatAmount(amount));
}

export function entitlementIdOf(wallet: { walletKey: string }): string {
  return wallet.walletKey.slice(ENTITLEMENT_KEY_PREFIX.length);
}

/**
 * A grant as Paygentic shows it. `recurrencePeriod` is the period of the
 * recurring schedule that issued it (grants made natively can recur); the
 * rollover fields appear only when the grant has them.
 */
export function grantView(grant: GrantRecord) {
  return {
    object: 'grant' as const,
    id: grant.id,
    entitlementId: entitlementIdOf(grant),
    amount: toJsonNumber(grant.amount),
    effectiveAt: toTimestamp(grant.effectiveAt),
    expiresAt: toOptionalTimestamp(grant.expiresAt),
    voidedAt: toOptionalTimestamp(grant.voidedAt),
    createdAt: toTimestamp(grant.createdAt),
    recurrencePeriod: grant.recurrencePeriod,
    idempotencyKey: grant.metadata[IDEMPOTENCY_KEY_METADATA] ?? null,
    ...(grant.resetMaxRollover !== null ? { resetMaxRollover: toJsonNumber(grant.resetMaxRollover) } : {}),
    ...(grant.resetMinRollover !== null ? { resetMinRollover: toJsonNumber(grant.resetMinRollover) } : {}),
  };
}

/**
 * A purchase: the invoice and its one payment session. `price` is the decimal
 * string that was asked for in the currency's own form ("5.00"); a session's
 * `amount` is in minor units (500).
 */
export function purchaseView(input: { purchase: PurchaseRecord; invoice: InvoiceRecord; entitlementId: string }) {
  const { purchase, invoice } = input;
  return {
    object: 'grant_purchase' as const,
    invoiceId: invoice.id,
    entitlementId: input.entitlementId,
    grantAmount: toJsonNumber(purchase.amount),
    price: formatMinor(purchase.priceMinor, purchase.currency),
    currency: purchase.currency,
    paymentSessions:
      purchase.sessionUrl === null
        ? []
        : [{ url: purchase.sessionUrl, expiresAt: toTimestamp(purchase.paymentExpiresAt), amount: Number(purchase.priceMinor) }],
  };
}

export function grantListView<Item>(items: Item[], page: { total: number; limit: number; offset: number }) {
  return { object: 'list' as const, data: items, pagination: { total: page.total, limit: page.limit, offset: page.offset } };
}

/**
 * The metered entitlement detail. `balance` is what can be spent now, `overage`
 * what is owed beyond it (overdraft). With a usage period on the wallet,
 * `usageInPeriod` and the period bounds are the engine's; without one they are
 * the entitlement's whole life (usageSinceStart) and null bounds. There are no
 * subscriptions in Creditbook: `subscriptionId` and `activeTo` are null.
 */
export function entitlementView(input: { wallet: WalletRecord; balance: BalanceView; usageWithoutPeriod: Amount }) {
  const { wallet, balance } = input;
  const overdraftRoom = wallet.overdraftLimit - balance.overdraft;
  return {
    object: 'entitlement' as const,
    id: entitlementIdOf(wallet),
    customerId: wallet.customerId,
    featureId: wallet.unit,
    featureKey: wallet.unit,
    featureType: 'metered' as const,
    subscriptionId: null,
    status: 'active' as const,
    activeFrom: toTimestamp(wallet.createdAt),
    activeTo: null,
    hasAccess: balance.available > 0n || overdraftRoom > 0n,
    isSoftLimit: wallet.overdraftLimit > 0n,
    balance: toJsonNumber(balance.available),
    usageInPeriod: toJsonNumber(balance.period ? balance.period.usage : input.usageWithoutPeriod),
    overage: toJsonNumber(balance.overdraft),
    currentPeriodStart: balance.period ? toTimestamp(balance.period.start) : null,
    currentPeriodEnd: balance.period ? toTimestamp(balance.period.end) : null,
  };
}

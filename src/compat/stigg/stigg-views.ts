import { formatAmount, type Amount } from '../../domain/amount.ts';
import { grantStatus } from '../../domain/grant-status.ts';
import type { GrantStatus, Instant, LedgerEntryType } from '../../domain/types.ts';
import { toOptionalTimestamp, toTimestamp } from '../../edge/time.ts';
import type { DebitRecord, GrantRecord, LedgerEntryRecord, UnitRecord } from '../../store/records.ts';
import { resourceIdOf } from './stigg-wallets.ts';

/**
 * Stigg response shapes: `{data}` around every object, camelCase, amounts as JSON
 * numbers, times as ISO 8601 with milliseconds and Z. Every documented field is
 * present (null when Creditbook has nothing for it).
 */

/** Stigg's `comment` has no column of its own; it is kept in the grant's metadata under this key and shown as `comment`. */
export const COMMENT_METADATA = 'stigg.comment';

/** Amounts enter as exact numbers (or strings); only sums beyond 15 significant digits could round here. */
export function toJsonNumber(amount: Amount): number {
  return Number(formatAmount(amount));
}

const STATUS: Record<GrantStatus, string> = {
  payment_pending: 'PAYMENT_PENDING',
  scheduled: 'SCHEDULED',
  active: 'ACTIVE',
  expired: 'EXPIRED',
  voided: 'VOIDED',
};

export function stiggGrantView(grant: GrantRecord, now: Instant) {
  const { [COMMENT_METADATA]: comment, ...metadata } = grant.metadata;
  const updatedAt = Math.max(grant.createdAt, grant.voidedAt ?? 0, grant.expiredAt ?? 0);
  return {
    id: grant.id,
    displayName: grant.name ?? '',
    amount: toJsonNumber(grant.amount),
    consumedAmount: toJsonNumber(grant.consumed),
    // Grants issued by a recurring schedule (made natively) are Stigg's RECURRING.
    grantType: grant.source === 'recurring' ? 'RECURRING' : grant.category === 'paid' ? 'PAID' : 'PROMOTIONAL',
    sourceType: null,
    priority: grant.priority,
    effectiveAt: toTimestamp(grant.effectiveAt),
    expireAt: toOptionalTimestamp(grant.expiresAt),
    voidedAt: toOptionalTimestamp(grant.voidedAt),
    metadata,
    // A grant without a cost basis cost nothing (Stigg shows {amount: 0, currency: "usd"} for those).
    cost: grant.costAmount === null ? { amount: 0, currency: 'usd' } : { amount: toJsonNumber(grant.costAmount), currency: grant.costCurrency ?? 'usd' },
    comment: comment ?? null,
    customerId: grant.customerId,
    resourceId: resourceIdOf(grant.walletKey),
    currencyId: grant.unit,
    invoiceId: null,
    latestInvoice: null,
    paymentCollection: grant.paymentPending ? 'PROCESSING' : 'NOT_REQUIRED',
    status: STATUS[grantStatus(grant, now)],
    createdAt: toTimestamp(grant.createdAt),
    updatedAt: toTimestamp(updatedAt),
  };
}

/** Stigg's cursor pages: `next` is the cursor for `after`; backward paging is not offered (`prev` is always null). */
export function stiggPageView<Item>(data: Item[], next: string | null) {
  return { data, pagination: { next, prev: null } };
}

/**
 * Ledger entry types as Stigg's event types. A hold and its release move credit
 * between available and held, which Stigg does not distinguish, so they (and
 * repayments and reset top-ups) are CREDITS_UPDATED; a capture is the consumption.
 */
const EVENT_TYPES: Record<LedgerEntryType, string> = {
  grant: 'CREDITS_GRANTED',
  debit: 'CREDITS_CONSUMED',
  capture: 'CREDITS_CONSUMED',
  overdraft: 'CREDITS_CONSUMED',
  expiry: 'CREDITS_EXPIRED',
  void: 'CREDITS_VOIDED',
  hold: 'CREDITS_UPDATED',
  release: 'CREDITS_UPDATED',
  repayment: 'CREDITS_UPDATED',
  adjustment: 'CREDITS_UPDATED',
};

/**
 * `amount` is the signed change to the customer's credit (available + held):
 * positive when granted, negative when consumed, expired or voided; zero for a hold or release.
 */
export function stiggLedgerEntryView(entry: LedgerEntryRecord, debit: DebitRecord | undefined) {
  return {
    amount: toJsonNumber(entry.amount + entry.heldAmount),
    creditCurrencyId: entry.unit,
    creditGrantId: entry.grantId,
    customerId: entry.customerId,
    eventId: entry.id,
    eventType: EVENT_TYPES[entry.type] ?? 'CREDITS_UPDATED',
    featureId: debit?.feature ?? null,
    resourceId: resourceIdOf(entry.walletKey),
    timestamp: toTimestamp(entry.effectiveAt),
  };
}

export function stiggConsumptionView(debit: DebitRecord) {
  return {
    data: {
      amount: toJsonNumber(debit.amount),
      currencyId: debit.unit,
      customerId: debit.customerId,
      timestamp: toTimestamp(debit.occurredAt),
      // The optimistic balance is optional in Stigg; Creditbook's balance is exact, read it from the grants or ledger.
      credit: null,
      resourceId: resourceIdOf(debit.walletKey),
    },
  };
}

/** A unit as a Stigg custom currency; a unit made natively has no description, symbol, units or metadata. */
export function stiggCurrencyView(unit: UnitRecord) {
  return {
    data: {
      id: unit.code,
      displayName: unit.name ?? unit.code,
      description: unit.description,
      metadata: unit.metadata,
      symbol: unit.symbol,
      units: unit.unitNames && { plural: unit.unitNames.plural, singular: unit.unitNames.singular },
      createdAt: toTimestamp(unit.createdAt),
      updatedAt: toTimestamp(unit.createdAt),
      archivedAt: null,
    },
  };
}

/** Creditbook does not recharge automatically: the configuration is Stigg's default, disabled. */
export function stiggAutoRechargeView(input: { customerId: string; currencyId: string }) {
  return {
    data: {
      id: null,
      createdAt: null,
      updatedAt: null,
      currencyId: input.currencyId,
      customerId: input.customerId,
      grantExpirationPeriod: '1_MONTH',
      isEnabled: false,
      maxSpendLimit: null,
      targetBalance: 0,
      thresholdType: 'CREDIT_AMOUNT',
      thresholdValue: 0,
    },
  };
}

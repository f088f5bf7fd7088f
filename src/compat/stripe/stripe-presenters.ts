import type { Amount } from '../../domain/amount.ts';
import type { Instant } from '../../domain/types.ts';
import type { CustomerRecord, GrantRecord, LedgerEntryRecord, Page } from '../../store/records.ts';
import { minorUnitsOf } from './currencies.ts';
import type { StripeTransactionKind } from './stripe-transactions.ts';
import { toStripeCustomerId, toStripeGrantId, toStripeTransactionId } from './stripe-ids.ts';

/** Stripe objects: snake_case, unix seconds, amounts as integer minor units of the currency. */
export function unixSeconds(instant: Instant): number {
  return Math.floor(instant / 1000);
}

function optionalSeconds(instant: Instant | null): number | null {
  return instant === null ? null : unixSeconds(instant);
}

export function monetary(currency: string, amount: Amount, scale: number) {
  return { monetary: { currency, value: minorUnitsOf(amount, scale) }, type: 'monetary' as const };
}

/**
 * A grant as `billing.credit_grant`. Feature keys are Stripe price IDs: a grant
 * for every feature is `{price_type: "metered"}`, one for some is `{prices: [{id}]}`.
 * `updated` is the last change the engine records (creation, void, expiry):
 * Creditbook keeps no modification time for metadata edits.
 */
export function creditGrantObject(grant: GrantRecord, scale: number, livemode: boolean) {
  return {
    id: toStripeGrantId(grant.id),
    object: 'billing.credit_grant',
    amount: monetary(grant.unit, grant.amount, scale),
    applicability_config: {
      scope: grant.appliesTo.length === 0 ? { price_type: 'metered' } : { prices: grant.appliesTo.map((id) => ({ id })) },
    },
    category: grant.category,
    created: unixSeconds(grant.createdAt),
    customer: toStripeCustomerId(grant.customerId),
    customer_account: null,
    effective_at: unixSeconds(grant.effectiveAt),
    expires_at: optionalSeconds(grant.expiresAt),
    livemode,
    metadata: grant.metadata,
    name: grant.name,
    priority: grant.priority,
    test_clock: null,
    updated: unixSeconds(Math.max(grant.createdAt, grant.voidedAt ?? 0, grant.expiredAt ?? 0)),
    voided_at: optionalSeconds(grant.voidedAt),
  };
}

export function customerObject(customer: CustomerRecord, livemode: boolean) {
  return {
    id: toStripeCustomerId(customer.id),
    object: 'customer',
    address: null,
    balance: 0,
    created: unixSeconds(customer.createdAt),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: customer.email,
    invoice_prefix: null,
    livemode,
    metadata: customer.metadata,
    name: customer.name,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

/** A ledger entry as `billing.credit_balance_transaction` (see stripe-transactions.ts for which entries are shown). */
export function creditBalanceTransactionObject(entry: LedgerEntryRecord, kind: StripeTransactionKind, scale: number, livemode: boolean) {
  const amount = monetary(entry.unit, kind.amount, scale);
  return {
    id: toStripeTransactionId(entry.id),
    object: 'billing.credit_balance_transaction',
    created: unixSeconds(entry.createdAt),
    credit: kind.type === 'credit' ? { amount, credits_application_invoice_voided: null, type: kind.detail } : null,
    credit_grant: toStripeGrantId(entry.grantId!),
    debit: kind.type === 'debit' ? { amount, credits_applied: null, type: kind.detail } : null,
    effective_at: unixSeconds(entry.effectiveAt),
    livemode,
    test_clock: null,
    type: kind.type,
  };
}

export interface CurrencyBalance {
  currency: string;
  scale: number;
  available: Amount;
  /** available plus what holds reserve: Stripe's ledger balance counts credit not yet finally applied. */
  ledger: Amount;
}

export function creditBalanceSummaryObject(stripeCustomerId: string, balances: CurrencyBalance[], livemode: boolean) {
  return {
    object: 'billing.credit_balance_summary',
    balances: balances.map((balance) => ({
      available_balance: monetary(balance.currency, balance.available, balance.scale),
      ledger_balance: monetary(balance.currency, balance.ledger, balance.scale),
    })),
    customer: stripeCustomerId,
    customer_account: null,
    livemode,
  };
}

export function listObject<View>(page: Page<View>, url: string) {
  return { object: 'list', data: page.data, has_more: page.hasMore, url };
}

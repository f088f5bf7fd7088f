import type { Amount } from '../domain/amount.ts';
import type { Instant } from '../domain/types.ts';
import type { Metadata, WalletAddress } from './records.ts';

/** How much an auto top-up buys: a fixed number of credits, or enough to reach a target balance. */
export type AutoTopUpQuantity = { mode: 'fixed'; amount: Amount } | { mode: 'target'; targetBalance: Amount };

export type AutoTopUpConfig = AutoTopUpQuantity & {
  /** Buys when the wallet balance falls below this. */
  threshold: Amount;
  /** Price of one credit, in major units of `currency` (a decimal). */
  unitPrice: Amount;
  currency: string;
  paymentMethodId: string;
  /** Most it may spend per calendar month (UTC), in minor units; null for no limit. */
  monthlyLimitMinor: bigint | null;
};

/** Per-wallet balance alerts and auto top-up, and the auto top-up's running state. */
export interface WalletSettingsRecord {
  walletId: string;
  environmentId: string;
  customerId: string;
  lowBalanceThreshold: Amount | null;
  autoTopUp: AutoTopUpConfig | null;
  /** The auto top-up under way, if any: at most one per wallet, so a burst of debits buys once. */
  topUpInFlight: string | null;
  /** Declines in a row; drives the backoff. */
  declines: number;
  /** No auto top-up starts before this (after a decline, or when the monthly limit is reached). */
  pausedUntil: Instant | null;
  updatedAt: Instant;
}

export type AutoTopUpStatus = 'requested' | 'processing' | 'succeeded' | 'declined' | 'skipped';

export interface AutoTopUpRecord {
  id: string;
  environmentId: string;
  customerId: string;
  walletId: string;
  status: AutoTopUpStatus;
  amount: Amount;
  priceMinor: bigint;
  currency: string;
  paymentMethodId: string;
  purchaseId: string | null;
  reason: string | null;
  balanceAtTrigger: Amount;
  attempts: number;
  createdAt: Instant;
  completedAt: Instant | null;
}

export interface PaymentMethodRecord {
  id: string;
  environmentId: string;
  customerId: string;
  /** `test` or `stripe`. */
  provider: string;
  /** The provider's reference: a Stripe `pm_…`, or the test card's behaviour (`succeeds` | `declines`). */
  reference: string;
  /** The provider's customer the method is attached to (Stripe `cus_…`). */
  providerCustomer: string | null;
  description: string;
  createdAt: Instant;
}

export type PurchaseStatus = 'open' | 'paid' | 'expired' | 'canceled' | 'failed';

/** How a purchase was started: a customer at a checkout, or an auto top-up charging a saved payment method. */
export type PurchaseSource = 'checkout' | 'auto_top_up';

export type ClosedPurchaseStatus = Exclude<PurchaseStatus, 'open' | 'paid'>;

export interface PurchaseRecord extends WalletAddress {
  id: string;
  walletId: string;
  grantId: string;
  invoiceId: string;
  status: PurchaseStatus;
  source: PurchaseSource;
  /** Credits bought. */
  amount: Amount;
  /** What the customer pays, in minor units of `currency`. */
  priceMinor: bigint;
  currency: string;
  provider: string;
  sessionId: string | null;
  sessionUrl: string | null;
  paymentExpiresAt: Instant;
  paymentReference: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Metadata;
  createdAt: Instant;
  paidAt: Instant | null;
  closedAt: Instant | null;
  /** A payment the provider reported after the purchase had closed: never credited, to be refunded. */
  latePaymentReference: string | null;
  latePaymentAt: Instant | null;
}

export type InvoiceStatus = 'open' | 'paid' | 'void';

export interface InvoiceLine {
  description: string;
  /** Credits, as a decimal string. */
  quantity: string;
  unit: string;
  /** Minor units of the invoice currency. */
  amount: number;
}

export interface InvoiceRecord {
  id: string;
  environmentId: string;
  customerId: string;
  purchaseId: string;
  status: InvoiceStatus;
  currency: string;
  amountMinor: bigint;
  lines: InvoiceLine[];
  createdAt: Instant;
  paidAt: Instant | null;
  voidedAt: Instant | null;
}

/** A pack the operator lets a portal customer buy: credits of a unit for a price. */
export interface PortalPack {
  unit: string;
  /** Credits, as an exact decimal string. */
  amount: string;
  /** What the customer pays, a decimal string in `currency`. */
  price: string;
  currency: string | null;
  name: string | null;
}

export interface PortalSessionRecord {
  id: string;
  environmentId: string;
  customerId: string;
  tokenHash: string;
  returnUrl: string | null;
  packs: PortalPack[];
  expiresAt: Instant;
  createdAt: Instant;
}

export type CreditNoteStatus = 'pending' | 'succeeded';

/**
 * A refund of unused paid credits: the credits voided on the purchase's grant and
 * the money owed back at cost basis. Pending until the provider has refunded it.
 */
export interface CreditNoteRecord {
  id: string;
  environmentId: string;
  customerId: string;
  walletId: string;
  purchaseId: string;
  grantId: string;
  credits: Amount;
  /** Minor units of `currency`. */
  amountMinor: bigint;
  currency: string;
  /** The sequence of the void entry the refund booked in its wallet's ledger. */
  ledgerSequence: number;
  provider: string;
  status: CreditNoteStatus;
  /** The provider's refund (Stripe `re_…`). */
  refundReference: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Instant;
  refundedAt: Instant | null;
}

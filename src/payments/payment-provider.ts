import type { Instant } from '../domain/types.ts';
import type { PaymentMethodRecord } from '../store/payment-records.ts';

export type PaymentProviderName = 'test' | 'stripe';
export const paymentProviderNames: readonly PaymentProviderName[] = ['test', 'stripe'];

export interface CheckoutRequest {
  purchaseId: string;
  environmentId: string;
  customerId: string;
  amountMinor: bigint;
  currency: string;
  /** What is bought, for the customer: "1000 ai_credits". */
  description: string;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: Instant;
}

export interface CheckoutSession {
  id: string;
  url: string;
}

/** What the provider says when a session's time is up: closed for good, or paid after all. */
export type SessionClosing = { outcome: 'closed' } | { outcome: 'paid'; paymentReference: string | null };

export interface SavedMethodCharge {
  paymentMethod: PaymentMethodRecord;
  amountMinor: bigint;
  currency: string;
  description: string;
  purchaseId: string;
  /** The same key for every attempt of one top-up, so a retry after a crash never charges twice. */
  idempotencyKey: string;
}

/** Money to give back on a paid purchase (a credit note's refund). */
export interface RefundRequest {
  purchaseId: string;
  creditNoteId: string;
  /** The provider's payment of the purchase (Stripe: the PaymentIntent). */
  paymentReference: string | null;
  amountMinor: bigint;
  currency: string;
  /** The credit note's ID: every attempt of one refund is the same refund at the provider. */
  idempotencyKey: string;
}

export interface RefundResult {
  /** The provider's refund (Stripe `re_…`). */
  reference: string;
}

/**
 * What a charge of a saved method came to. `processing`: the provider accepted it but the money settles later
 * (bank debits: SEPA, ACH); the charge is neither paid nor declined yet and is asked about again by its reference.
 */
export type ChargeResult =
  | { outcome: 'succeeded'; paymentReference: string }
  | { outcome: 'processing'; paymentReference: string }
  | { outcome: 'declined'; reason: string };

/** A charge the provider answered `processing` for, asked about again (Stripe: the PaymentIntent `pi_…`). */
export interface ChargeLookup {
  paymentReference: string;
}

/**
 * One interface over every way Creditbook takes a payment. A provider only talks
 * to the outside world; the purchase's state lives in Creditbook and changes
 * through app/purchases-transitions.ts, once per transition.
 *
 * - `createCheckoutSession` returns where to send the customer. It is called
 *   before the purchase is written, never inside a database transaction.
 * - `closeCheckoutSession` is called when the payment window has passed: the
 *   provider either closes the session for good or reports that it was paid.
 * - `chargeSavedMethod` charges a saved payment method without the customer (auto
 *   top-up). A network error throws and is retried with the same idempotency key.
 *   A `processing` answer is never charged again: `checkCharge` asks about that
 *   payment by its reference until it succeeds or fails (the idempotency key may
 *   have been forgotten by then, and a replay would repeat the first answer).
 * - `refund` gives money back on a paid purchase, after the credit note is
 *   committed (app/refunds.ts); a retry carries the same idempotency key, so it
 *   refunds once. A network error throws and the credit note stays pending.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Checks a payment window the provider would refuse (Stripe: 30 minutes to 24 hours). */
  checkPaymentWindow(input: { now: Instant; expiresAt: Instant }): void;
  createCheckoutSession(request: CheckoutRequest): Promise<CheckoutSession>;
  closeCheckoutSession(session: { sessionId: string | null }): Promise<SessionClosing>;
  chargeSavedMethod(request: SavedMethodCharge): Promise<ChargeResult>;
  checkCharge(lookup: ChargeLookup): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import { CreditbookError, validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { ChargeLookup, ChargeResult, CheckoutRequest, CheckoutSession, PaymentProvider, RefundRequest, RefundResult, SavedMethodCharge, SessionClosing } from './payment-provider.ts';

export interface StripeSettings {
  secretKey: string;
  /** `whsec_…` of the webhook endpoint Stripe calls (POST /webhooks/stripe). */
  webhookSecret: string;
  /** Where the official client sends requests; only changed to point it at a local server. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/** Stripe refuses a Checkout Session that expires sooner than 30 minutes or later than 24 hours from now. */
const MIN_WINDOW_MS = 30 * 60 * 1000;
const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A notification Stripe sent, after its signature was verified. */
export type StripeNotification =
  | { kind: 'paid'; sessionId: string; paymentReference: string | null }
  | { kind: 'closed'; sessionId: string; status: 'expired' | 'failed' }
  | { kind: 'ignored'; type: string };

/** The stripe package, loaded when Stripe is configured (it takes tens of milliseconds of every start otherwise). */
function stripePackage(): typeof Stripe {
  return createRequire(import.meta.url)('stripe') as typeof Stripe;
}

/**
 * Stripe Checkout through the official `stripe` client. A purchase is one
 * Checkout Session in `payment` mode with one line; Stripe hosts the page and
 * tells Creditbook the outcome by webhook (`checkout.session.completed` /
 * `async_payment_succeeded` → paid, `checkout.session.expired` → expired).
 * Saved payment methods are charged off-session with a confirmed PaymentIntent
 * whose idempotency key is the top-up's, so a retry never charges twice.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly client: Stripe;
  private readonly stripe = stripePackage();

  constructor(
    private readonly settings: StripeSettings,
    private readonly fallbackSuccessUrl: () => string,
  ) {
    this.client = new this.stripe(settings.secretKey, {
      ...(settings.host !== undefined ? { host: settings.host } : {}),
      ...(settings.port !== undefined ? { port: settings.port } : {}),
      ...(settings.protocol !== undefined ? { protocol: settings.protocol } : {}),
      maxNetworkRetries: 2,
      timeout: 20_000,
    });
  }

  checkPaymentWindow(input: { now: Instant; expiresAt: Instant }): void {
    const window = input.expiresAt - input.now;
    if (window < MIN_WINDOW_MS || window > MAX_WINDOW_MS) {
      throw validationError('paymentExpiresAt', 'With Stripe, paymentExpiresAt must be 30 minutes to 24 hours from now.');
    }
  }

  async createCheckoutSession(request: CheckoutRequest): Promise<CheckoutSession> {
    const metadata = { creditbook_purchase_id: request.purchaseId, creditbook_environment_id: request.environmentId };
    const session = await this.client.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: request.purchaseId,
        line_items: [
          {
            quantity: 1,
            price_data: { currency: request.currency, unit_amount: Number(request.amountMinor), product_data: { name: request.description } },
          },
        ],
        success_url: request.successUrl ?? this.fallbackSuccessUrl(),
        ...(request.cancelUrl !== null ? { cancel_url: request.cancelUrl } : {}),
        expires_at: Math.floor(request.expiresAt / 1000),
        metadata,
        payment_intent_data: { metadata },
      },
      // No key of ours: the request carries this attempt's purchase ID, so a retry is a different request to Stripe.
      // The client's own retries carry its key (stripe-node-retry-…); a session nobody was given the URL of just expires.
    );
    if (!session.url) throw new CreditbookError('internal_error', 'Stripe returned a Checkout Session without a URL.');
    return { id: session.id, url: session.url };
  }

  /** Expires the session at Stripe; if Stripe says it was completed meanwhile, the purchase is paid instead. */
  async closeCheckoutSession(input: { sessionId: string | null }): Promise<SessionClosing> {
    if (input.sessionId === null) return { outcome: 'closed' };
    try {
      await this.client.checkout.sessions.expire(input.sessionId);
      return { outcome: 'closed' };
    } catch (error) {
      const session = await this.client.checkout.sessions.retrieve(input.sessionId);
      if (session.status === 'expired') return { outcome: 'closed' };
      if (session.status === 'complete' && session.payment_status !== 'unpaid') return { outcome: 'paid', paymentReference: referenceOf(session.payment_intent) };
      throw error;
    }
  }

  async chargeSavedMethod(request: SavedMethodCharge): Promise<ChargeResult> {
    try {
      const intent = await this.client.paymentIntents.create(
        {
          amount: Number(request.amountMinor),
          currency: request.currency,
          ...(request.paymentMethod.providerCustomer !== null ? { customer: request.paymentMethod.providerCustomer } : {}),
          payment_method: request.paymentMethod.reference,
          off_session: true,
          confirm: true,
          description: request.description,
          metadata: { creditbook_purchase_id: request.purchaseId },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return chargeResultOf(intent);
    } catch (error) {
      if (error instanceof this.stripe.errors.StripeCardError) return { outcome: 'declined', reason: error.decline_code ?? error.code ?? 'card_declined' };
      throw error;
    }
  }

  /** The PaymentIntent as Stripe holds it now: a bank debit answered `processing` settles (or fails) days later. */
  async checkCharge(lookup: ChargeLookup): Promise<ChargeResult> {
    return chargeResultOf(await this.client.paymentIntents.retrieve(lookup.paymentReference));
  }

  /**
   * A Refund of part of the purchase's PaymentIntent. The credit note's ID is the
   * idempotency key, so a retry after a crash or a timeout is the same Refund.
   */
  async refund(request: RefundRequest): Promise<RefundResult> {
    if (request.paymentReference === null) {
      throw new CreditbookError('state_conflict', `Purchase ${request.purchaseId} has no Stripe payment to refund.`);
    }
    const refund = await this.client.refunds.create(
      {
        payment_intent: request.paymentReference,
        amount: Number(request.amountMinor),
        metadata: { creditbook_purchase_id: request.purchaseId, creditbook_credit_note_id: request.creditNoteId },
      },
      { idempotencyKey: request.idempotencyKey },
    );
    return { reference: refund.id };
  }

  /**
   * Verifies a webhook's `Stripe-Signature` with the stripe package's own check
   * (HMAC over the raw body, five-minute tolerance) and reads what it means.
   * Throws `validation_error` when the signature does not verify.
   */
  readNotification(rawBody: string, signature: string | undefined): StripeNotification {
    let event: Stripe.Event;
    try {
      event = this.client.webhooks.constructEvent(rawBody, signature ?? '', this.settings.webhookSecret);
    } catch (error) {
      throw new CreditbookError('validation_error', `The Stripe-Signature header does not verify: ${(error as Error).message}`, { param: 'Stripe-Signature' });
    }
    switch (event.type) {
      case 'checkout.session.completed':
        if (event.data.object.payment_status === 'unpaid') return { kind: 'ignored', type: event.type };
        return { kind: 'paid', sessionId: event.data.object.id, paymentReference: referenceOf(event.data.object.payment_intent) };
      case 'checkout.session.async_payment_succeeded':
        return { kind: 'paid', sessionId: event.data.object.id, paymentReference: referenceOf(event.data.object.payment_intent) };
      case 'checkout.session.expired':
        return { kind: 'closed', sessionId: event.data.object.id, status: 'expired' };
      case 'checkout.session.async_payment_failed':
        return { kind: 'closed', sessionId: event.data.object.id, status: 'failed' };
      default:
        return { kind: 'ignored', type: event.type };
    }
  }
}

/**
 * `processing` is not a decline: the debit was accepted and money may still arrive.
 * `requires_payment_method` (failed, also after processing) and `canceled` are declines,
 * named by the last payment error when Stripe gives one.
 */
function chargeResultOf(intent: Stripe.PaymentIntent): ChargeResult {
  if (intent.status === 'succeeded') return { outcome: 'succeeded', paymentReference: intent.id };
  if (intent.status === 'processing') return { outcome: 'processing', paymentReference: intent.id };
  if (intent.status === 'requires_action') return { outcome: 'declined', reason: 'authentication_required' };
  const error = intent.last_payment_error;
  return { outcome: 'declined', reason: error?.decline_code ?? error?.code ?? intent.status };
}

function referenceOf(paymentIntent: string | { id: string } | null): string | null {
  if (paymentIntent === null) return null;
  return typeof paymentIntent === 'string' ? paymentIntent : paymentIntent.id;
}

import { createHash, randomBytes } from 'node:crypto';
import type { ChargeLookup, ChargeResult, CheckoutRequest, CheckoutSession, PaymentProvider, RefundRequest, RefundResult, SavedMethodCharge, SessionClosing } from './payment-provider.ts';

/** What a saved test card does when charged. */
export type TestCardBehaviour = 'succeeds' | 'declines';
export const testCardBehaviours: readonly TestCardBehaviour[] = ['succeeds', 'declines'];

/**
 * The built-in provider for test environments. Its checkout is Creditbook's own
 * hosted page (http/routes/checkout-routes.ts) at `<publicUrl>/checkout/<session>`;
 * the session ID is an unguessable token, since whoever holds the URL can pay.
 * No money moves: Pay marks the purchase paid. Saved test cards succeed or
 * decline as they were created to.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;

  constructor(private readonly publicUrl: () => string) {}

  checkPaymentWindow(): void {}

  async createCheckoutSession(_request: CheckoutRequest): Promise<CheckoutSession> {
    const id = `cs_test_${randomBytes(24).toString('base64url')}`;
    return { id, url: `${this.publicUrl().replace(/\/$/, '')}/checkout/${id}` };
  }

  /** The session lives only in Creditbook, so there is nothing to close elsewhere. */
  async closeCheckoutSession(): Promise<SessionClosing> {
    return { outcome: 'closed' };
  }

  async chargeSavedMethod(request: SavedMethodCharge): Promise<ChargeResult> {
    if (request.paymentMethod.reference === 'declines') return { outcome: 'declined', reason: 'card_declined' };
    // Deterministic per idempotency key: a retried charge is the same payment.
    return { outcome: 'succeeded', paymentReference: `pay_test_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}` };
  }

  /** A test card never answers `processing`, so any charge asked about is one that succeeded. */
  async checkCharge(lookup: ChargeLookup): Promise<ChargeResult> {
    return { outcome: 'succeeded', paymentReference: lookup.paymentReference };
  }

  /** No money moved, so none moves back: the refund is recorded on the credit note, with a reference that is the same for every retry. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    return { reference: `re_test_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}` };
  }
}

/** A payment reference for a checkout paid on the hosted test page. */
export function testPaymentReference(): string {
  return `pay_test_${randomBytes(12).toString('hex')}`;
}

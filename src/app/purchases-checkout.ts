import { stateConflict } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import { testPaymentReference } from '../payments/test-provider.ts';
import type { ClosedPurchaseStatus, PurchaseRecord } from '../store/payment-records.ts';
import { currentTime, type Actor, type AppDependencies, type RequestContext } from './dependencies.ts';
import { getPurchase } from './purchases-reads.ts';
import type { PurchaseWithInvoice } from './purchases.ts';
import { closePurchase, completePurchase } from './purchases-transitions.ts';

/** A hosted test checkout as its page shows it. */
export interface CheckoutState extends PurchaseWithInvoice {
  /** The environment's time now (a frozen test clock, or the real one). */
  now: Instant;
}

/**
 * The built-in test provider's hosted checkout (the page is http/routes/checkout-routes.ts).
 * The session ID in its URL is the only credential, as with any hosted checkout.
 * Returns undefined for an unknown session.
 */
export async function findCheckout(dependencies: AppDependencies, sessionId: string): Promise<CheckoutState | undefined> {
  return dependencies.store.read(async (repository) => {
    const purchase = await repository.purchases.findBySession('test', sessionId);
    if (!purchase) return undefined;
    const invoice = (await repository.invoices.get(purchase.environmentId, purchase.invoiceId))!;
    const environment = (await repository.accounts.getEnvironment(purchase.environmentId))!;
    return { purchase, invoice, now: currentTime(dependencies, environment) };
  });
}

/** Pay on the hosted test page: paid once; a session whose time is up is expired instead. */
export async function payCheckout(dependencies: AppDependencies, sessionId: string): Promise<PurchaseRecord | undefined> {
  const checkout = await findCheckout(dependencies, sessionId);
  if (!checkout) return undefined;
  const { purchase, now } = checkout;
  if (purchase.status === 'open' && now >= purchase.paymentExpiresAt) {
    return (await closePurchase(dependencies, { purchase, status: 'expired', requestId: 'checkout' })).purchase;
  }
  return (await completePurchase(dependencies, { purchase, paymentReference: testPaymentReference(), requestId: 'checkout' })).purchase;
}

/** Cancel on the hosted test page: the invoice is voided and the pending grant with it. */
export async function cancelCheckout(dependencies: AppDependencies, sessionId: string): Promise<PurchaseRecord | undefined> {
  const checkout = await findCheckout(dependencies, sessionId);
  if (!checkout) return undefined;
  return (await closePurchase(dependencies, { purchase: checkout.purchase, status: 'canceled', requestId: 'checkout' })).purchase;
}

/**
 * Ends an open purchase whose session is closing, after asking its provider: the
 * provider may report it paid after all (a payment that raced the expiry), and
 * then it completes instead. Network first, then the guarded transition.
 */
export async function closeWithProvider(
  dependencies: AppDependencies,
  input: { purchase: PurchaseRecord; status: ClosedPurchaseStatus; requestId: string; actor?: Actor | undefined },
): Promise<PurchaseRecord> {
  const provider = dependencies.payments.provider(input.purchase.provider);
  const closing = await provider.closeCheckoutSession({ sessionId: input.purchase.sessionId });
  if (closing.outcome === 'paid') {
    return (await completePurchase(dependencies, { purchase: input.purchase, paymentReference: closing.paymentReference, requestId: input.requestId, actor: input.actor })).purchase;
  }
  return (await closePurchase(dependencies, input)).purchase;
}

/** POST /v1/purchases/{id}/cancel: an open purchase is canceled; canceling again returns it; a paid one is a conflict. */
export async function cancelPurchase(dependencies: AppDependencies, context: RequestContext, purchaseId: string): Promise<PurchaseWithInvoice> {
  const { purchase } = await getPurchase(dependencies, context, purchaseId);
  if (purchase.status === 'paid') throw stateConflict(`Purchase '${purchaseId}' is paid and cannot be canceled.`);
  if (purchase.status === 'open') {
    const ended = await closeWithProvider(dependencies, { purchase, status: 'canceled', requestId: context.requestId, actor: context.actor });
    if (ended.status === 'paid') throw stateConflict(`Purchase '${purchaseId}' was paid before it could be canceled.`);
  }
  return getPurchase(dependencies, context, purchaseId);
}

import type { StripeNotification } from '../payments/stripe-provider.ts';
import type { AppDependencies } from './dependencies.ts';
import { closePurchase, completePurchase } from './purchases-transitions.ts';

/**
 * Applies a verified Stripe notification to its purchase. Unknown sessions (not
 * made by this Creditbook) and other event types change nothing. Duplicates and
 * late arrivals are absorbed by the guarded transitions.
 */
export async function applyStripeNotification(dependencies: AppDependencies, notification: StripeNotification): Promise<string> {
  if (notification.kind === 'ignored') return 'ignored';
  const purchase = await dependencies.store.read((repository) => repository.purchases.findBySession('stripe', notification.sessionId));
  if (!purchase) return 'unknown_session';
  if (notification.kind === 'paid') {
    return (await completePurchase(dependencies, { purchase, paymentReference: notification.paymentReference, requestId: 'stripe-webhook' })).outcome;
  }
  const result = await closePurchase(dependencies, { purchase, status: notification.status, requestId: 'stripe-webhook' });
  return result.changed ? notification.status : 'unchanged';
}

import type { WebhookDelivery } from '../app/webhook-delivery.ts';
import type { DeliverySettings } from './delivery-settings.ts';
import { attemptDelivery, deliverDueWebhooks, leaseMs, type DeliveryDependencies } from './dispatcher.ts';
import { fanOutEvents } from './fan-out.ts';
import { urlRefusal } from './outbound-post.ts';
import { SendSlots } from './send-slots.ts';
import { newWebhookSecret } from './signing.ts';

/**
 * The app's webhook delivery port over this folder's dispatcher, with one set of
 * delivery settings and one node's send slots: however many `deliverDue` passes
 * overlap, at most `settings.concurrency` automatic sends are in flight. (A manual
 * resend, `attempt`, is a request's own work, awaited by it, and takes no slot.)
 */
export function createWebhookDelivery(dependencies: DeliveryDependencies, settings: DeliverySettings): WebhookDelivery {
  const slots = new SendSlots(settings.concurrency);
  return {
    newSecret: newWebhookSecret,
    urlRefusal: (url) => urlRefusal(url, dependencies.outbound.allowed),
    leaseMs: leaseMs(settings),
    attempt: (delivery, trigger) => attemptDelivery(dependencies, settings, { delivery, trigger }),
    fanOut: () => fanOutEvents(dependencies),
    deliverDue: () => deliverDueWebhooks(dependencies, settings, { slots }),
  };
}

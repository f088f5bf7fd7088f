import type { WebhookDelivery } from '../app/webhook-delivery.ts';
import type { DeliverySettings } from './delivery-settings.ts';
import { attemptDelivery, deliverDueWebhooks, leaseMs, type DeliveryDependencies } from './dispatcher.ts';
import { fanOutEvents } from './fan-out.ts';
import { urlRefusal } from './outbound-post.ts';
import { newWebhookSecret } from './signing.ts';

/** The app's webhook delivery port over this folder's dispatcher, with one set of delivery settings. */
export function createWebhookDelivery(dependencies: DeliveryDependencies, settings: DeliverySettings): WebhookDelivery {
  return {
    newSecret: newWebhookSecret,
    urlRefusal: (url) => urlRefusal(url, dependencies.outbound.allowed),
    leaseMs: leaseMs(settings),
    attempt: (delivery, trigger) => attemptDelivery(dependencies, settings, { delivery, trigger }),
    fanOut: () => fanOutEvents(dependencies),
    deliverDue: () => deliverDueWebhooks(dependencies, settings),
  };
}

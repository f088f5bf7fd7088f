import type { FastifyInstance } from 'fastify';
import { applyStripeNotification } from '../../app/purchases-notifications.ts';
import type { RouteDependencies } from '../route-support.ts';

/**
 * `POST /webhooks/stripe`: Stripe's notifications about Checkout Sessions. The
 * signature is verified over the raw body with the stripe package's own check; a
 * bad or missing one is a 400 and changes nothing. A verified notification is
 * answered 200 even when it changes nothing (a duplicate, a late one, another
 * event type), so Stripe stops retrying it.
 */
export async function registerStripeWebhookRoutes(server: FastifyInstance, { app }: RouteDependencies): Promise<void> {
  await server.register(async (scope) => {
    // The signature covers the exact bytes Stripe sent: keep the body as text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.post('/webhooks/stripe', { schema: { hide: true } }, async (request) => {
      const stripe = app.payments.stripe();
      const signature = request.headers['stripe-signature'];
      const notification = stripe.readNotification(typeof request.body === 'string' ? request.body : '', Array.isArray(signature) ? signature[0] : signature);
      return { received: true, result: await applyStripeNotification(app, notification) };
    });
  });
}

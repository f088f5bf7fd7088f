import type { FastifyInstance, FastifyReply } from 'fastify';
import { cancelCheckout, findCheckout, payCheckout } from '../../app/purchases-checkout.ts';
import { renderCheckoutPage, renderMessagePage } from '../../payments/checkout-page.ts';
import type { PurchaseRecord } from '../../store/repository/purchase-queries.ts';
import type { RouteDependencies } from '../route-support.ts';

const SESSION_PATTERN = /^cs_test_[A-Za-z0-9_-]{1,100}$/;

/**
 * The test provider's hosted checkout, outside /v1 and without an API key: the
 * customer's browser opens the session URL. Pay and Cancel are plain form posts
 * answered with 303 to the purchase's successUrl or cancelUrl (or back to the
 * page, which then shows the outcome).
 */
export async function registerCheckoutRoutes(server: FastifyInstance, { app }: RouteDependencies): Promise<void> {
  await server.register(async (scope) => {
    // Form posts carry no fields we read; accept any body without parsing it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.addHook('onSend', async (_request, reply) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
        reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'");
        reply.header('cache-control', 'no-store');
        reply.header('referrer-policy', 'no-referrer');
      }
    });

    scope.get('/checkout/done', { schema: { hide: true } }, async (_request, reply) =>
      html(reply, 200, renderMessagePage('Payment received', 'Thank you. You can close this page.')),
    );

    scope.get<{ Params: { sessionId: string } }>('/checkout/:sessionId', { schema: { hide: true } }, async (request, reply) => {
      const sessionId = request.params.sessionId;
      const checkout = SESSION_PATTERN.test(sessionId) ? await findCheckout(app, sessionId) : undefined;
      if (!checkout) return notFound(reply);
      return html(reply, 200, renderCheckoutPage({ ...checkout, sessionId }));
    });

    scope.post<{ Params: { sessionId: string } }>('/checkout/:sessionId/pay', { schema: { hide: true } }, async (request, reply) => {
      const sessionId = request.params.sessionId;
      const purchase = SESSION_PATTERN.test(sessionId) ? await payCheckout(app, sessionId) : undefined;
      if (!purchase) return notFound(reply);
      return reply.redirect(purchase.status === 'paid' && purchase.successUrl ? purchase.successUrl : pageOf(purchase), 303);
    });

    scope.post<{ Params: { sessionId: string } }>('/checkout/:sessionId/cancel', { schema: { hide: true } }, async (request, reply) => {
      const sessionId = request.params.sessionId;
      const purchase = SESSION_PATTERN.test(sessionId) ? await cancelCheckout(app, sessionId) : undefined;
      if (!purchase) return notFound(reply);
      return reply.redirect(purchase.status === 'canceled' && purchase.cancelUrl ? purchase.cancelUrl : pageOf(purchase), 303);
    });
  });
}

/** Back to the checkout page, which then shows the outcome: its public URL, as the customer first opened it. */
function pageOf(purchase: PurchaseRecord): string {
  return purchase.sessionUrl ?? '/checkout/done';
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function notFound(reply: FastifyReply): FastifyReply {
  return html(reply, 404, renderMessagePage('Checkout not found', 'This checkout link is not valid. Ask the seller for a new one.'));
}

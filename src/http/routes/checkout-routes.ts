import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cancelCheckout, findCheckout, payCheckout } from '../../app/purchases-checkout.ts';
import { renderCheckoutPage, renderMessagePage } from '../../payments/checkout-page.ts';
import type { PurchaseRecord } from '../../store/payment-records.ts';
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
        // `same-origin`, not `no-referrer`: with no-referrer a browser sends `Origin: null` even on the page's own form posts.
        reply.header('referrer-policy', 'same-origin');
      }
    });
    // Pay and Cancel change a purchase: only the checkout page itself may post them (no cross-site request forgery).
    scope.addHook('preHandler', async (request, reply) => {
      if (request.method === 'POST' && !fromOwnPage(request, app.payments.publicOrigin())) {
        return html(reply, 403, renderMessagePage('Not allowed', 'Pay and Cancel work only from the checkout page itself. Open the checkout link again.'));
      }
    });

    scope.get('/checkout/done', { schema: { hide: true } }, async (_request, reply) =>
      html(reply, 200, renderMessagePage('Payment received', 'Thank you. You can close this page.')),
    );

    scope.get<{ Params: { sessionId: string } }>('/checkout/:sessionId', { schema: { hide: true } }, async (request, reply) => {
      const sessionId = request.params.sessionId;
      const checkout = SESSION_PATTERN.test(sessionId) ? await findCheckout(app, sessionId) : undefined;
      if (!checkout) return notFound(reply);
      return html(reply, 200, renderCheckoutPage(Object.assign({}, checkout, { sessionId })));
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

/**
 * Whether a form post comes from the checkout page itself. A browser names the
 * page that posts in `Origin` (always, for a cross-site POST): it must be this
 * server, as the public URL or the `Host` the request came to. Without `Origin`,
 * `Sec-Fetch-Site` must not say another site. A request with neither comes from
 * no browser (curl, a test), and no browser can be made to send it.
 */
function fromOwnPage(request: FastifyRequest, publicOrigin: string): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (origin === publicOrigin) return true;
    try {
      const { protocol, host } = new URL(origin);
      return request.headers.host !== undefined && host === new URL(`${protocol}//${request.headers.host}`).host;
    } catch {
      return false; // `null` (an opaque origin: a sandboxed frame, a data: URL) and anything unparsable
    }
  }
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
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

import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { cancelPurchase } from '../../app/purchases-checkout.ts';
import { getInvoice, getPurchase, listInvoices, listPurchases } from '../../app/purchases-reads.ts';
import { createPurchase } from '../../app/purchases.ts';
import type { InvoiceStatus, PurchaseStatus } from '../../store/payment-records.ts';
import { listView } from '../presenters.ts';
import { CreatePurchaseBody, ListInvoicesQuery, ListPurchasesQuery } from '../purchase-schemas.ts';
import { invoiceView, purchaseView } from '../purchase-presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { InvoiceView, PurchaseView } from '../purchase-response-schemas.ts';
import { listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { EmptyActionBody, IdParams } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';

/** Purchases of credits (checkout, pending grant, invoice) and their invoices. */
export function registerPurchaseRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreatePurchaseBody> }>('/purchases', {
    schema: routeSchema({
      operationId: 'createPurchase',
      summary: 'Sell credits: a pending grant, an invoice and a checkout session',
      tags: ['purchases'],
      body: CreatePurchaseBody,
      success: { 201: PurchaseView },
      errors: [404, 501],
      idempotent: true,
    }),
  }, async (request, reply) => {
    const { idempotencyKey: _key, effectiveAt, expiresAt, paymentExpiresAt, ...input } = request.body;
    const outcome = await createPurchase(app, {
      context: contextOf(request),
      input: Object.assign({}, input, {
        effectiveAt: parseOptionalTimestamp(effectiveAt, 'effectiveAt') ?? undefined,
        expiresAt: parseOptionalTimestamp(expiresAt, 'expiresAt'),
        paymentExpiresAt: parseOptionalTimestamp(paymentExpiresAt, 'paymentExpiresAt') ?? undefined,
      }),
      idempotency: idempotencyOf(request, 'purchases.create'),
      present: (purchase) => ({ status: 201, body: purchaseView(purchase) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/purchases/:id', { schema: routeSchema({ operationId: 'getPurchase', summary: 'Get a purchase', tags: ['purchases'], params: IdParams, success: { 200: PurchaseView } }) }, async (request) =>
    purchaseView(await getPurchase(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListPurchasesQuery> }>('/purchases', { schema: routeSchema({ operationId: 'listPurchases', summary: 'List purchases, newest first', tags: ['purchases'], querystring: ListPurchasesQuery, success: { 200: listOf(PurchaseView, 'A page of purchases.') } }) }, async (request) => {
    const { customerId, status } = request.query;
    const filters = Object.assign({}, customerId !== undefined ? { customerId } : {}, status !== undefined ? { status: status as PurchaseStatus } : {});
    return listView(await listPurchases(app, contextOf(request), filters, pageOf(request.query)), purchaseView);
  });

  /** Cancels an open purchase: its invoice is voided and its pending grant with it. Canceling again returns it unchanged. */
  server.post<{ Params: Static<typeof IdParams> }>(
    '/purchases/:id/cancel',
    {
      schema: routeSchema({
        operationId: 'cancelPurchase',
        summary: 'Cancel an open purchase (its invoice and pending grant are voided)',
        tags: ['purchases'],
        params: IdParams,
        body: EmptyActionBody,
        success: { 200: PurchaseView },
        errors: [409],
      }),
    },
    async (request) => purchaseView(await cancelPurchase(app, contextOf(request), request.params.id)),
  );

  server.get<{ Params: Static<typeof IdParams> }>('/invoices/:id', { schema: routeSchema({ operationId: 'getInvoice', summary: 'Get an invoice', tags: ['invoices'], params: IdParams, success: { 200: InvoiceView } }) }, async (request) =>
    invoiceView(await getInvoice(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListInvoicesQuery> }>('/invoices', { schema: routeSchema({ operationId: 'listInvoices', summary: 'List invoices, newest first', tags: ['invoices'], querystring: ListInvoicesQuery, success: { 200: listOf(InvoiceView, 'A page of invoices.') } }) }, async (request) => {
    const { customerId, status } = request.query;
    const filters = Object.assign({}, customerId !== undefined ? { customerId } : {}, status !== undefined ? { status: status as InvoiceStatus } : {});
    return listView(await listInvoices(app, contextOf(request), filters, pageOf(request.query)), invoiceView);
  });
}

import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getCreditNote, listCreditNotes, refundPurchase } from '../../app/refunds.ts';
import { revenueReport } from '../../app/revenue-report.ts';
import { contextOf } from '../../edge/request-context.ts';
import { parseTimestamp } from '../../edge/time.ts';
import { CreditNoteView, ListCreditNotesQuery, RefundPurchaseBody, RevenueReportQuery, RevenueReportView } from '../finance-schemas.ts';
import { creditNoteView, revenueReportView } from '../finance-presenters.ts';
import { listView } from '../presenters.ts';
import { listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { IdParams } from '../schemas.ts';

/** Refunds of unused paid credits, their credit notes, and the revenue report (docs/finance.md). */
export function registerFinanceRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RefundPurchaseBody> }>(
    '/purchases/:id/refund',
    {
      schema: routeSchema({
        operationId: 'refundPurchase',
        summary: "Refund a paid purchase's unused credits at cost basis (voids them, refunds through the provider, records a credit note)",
        tags: ['purchases'],
        params: IdParams,
        body: RefundPurchaseBody,
        success: { 200: CreditNoteView },
        errors: [404, 409],
        idempotent: true,
      }),
    },
    async (request, reply) => {
      const { creditNote, replayed } = await refundPurchase(app, {
        context: contextOf(request),
        purchaseId: request.params.id,
        amount: request.body?.amount ?? undefined,
        idempotency: idempotencyOf(request, 'purchases.refund'),
      });
      if (replayed) void reply.header('Idempotent-Replayed', 'true');
      return creditNoteView(creditNote);
    },
  );

  server.get<{ Params: Static<typeof IdParams> }>(
    '/credit-notes/:id',
    { schema: routeSchema({ operationId: 'getCreditNote', summary: 'Get a credit note (a refund of unused credits)', tags: ['purchases'], params: IdParams, success: { 200: CreditNoteView } }) },
    async (request) => creditNoteView(await getCreditNote(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListCreditNotesQuery> }>(
    '/credit-notes',
    {
      schema: routeSchema({
        operationId: 'listCreditNotes',
        summary: 'List credit notes, newest first',
        tags: ['purchases'],
        querystring: ListCreditNotesQuery,
        success: { 200: listOf(CreditNoteView, 'A page of credit notes.') },
      }),
    },
    async (request) => {
      const { purchaseId } = request.query;
      return listView(await listCreditNotes(app, contextOf(request), purchaseId !== undefined ? { purchaseId } : {}, pageOf(request.query)), creditNoteView);
    },
  );

  server.get<{ Querystring: Static<typeof RevenueReportQuery> }>(
    '/reports/revenue',
    {
      schema: routeSchema({
        operationId: 'getRevenueReport',
        summary: 'Deferred revenue over a period: opening, paid, recognised, breakage, refunds, closing; per-grant rows',
        tags: ['reports'],
        querystring: RevenueReportQuery,
        success: { 200: RevenueReportView },
        errors: [404],
      }),
    },
    async (request) => {
      const { from, to, currency, customerId } = request.query;
      const page = pageOf(request.query);
      const report = await revenueReport(app, contextOf(request), {
        from: parseTimestamp(from, 'from'),
        to: to === undefined ? undefined : parseTimestamp(to, 'to'),
        currency,
        customerId,
        limit: page.limit,
        startingAfter: page.startingAfter,
      });
      return revenueReportView(report);
    },
  );
}

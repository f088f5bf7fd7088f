import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getDebit, listDebits } from '../../app/debit-reads.ts';
import { createDebit, createDebitBatch } from '../../app/debits.ts';
import type { DebitRecord } from '../../store/records.ts';
import { debitView, listView } from '../presenters.ts';
import { ListDebitsQuery } from '../read-schemas.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { batchResultsView, idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { DebitView, listOf } from '../response-schemas.ts';
import { batchResultsSchema, routeSchema } from '../route-contract.ts';
import { CreateDebitBody, DebitBatchBody, IdParams } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';

const DebitBatchView = batchResultsSchema({ replayed: Type.Boolean(), debit: DebitView }, 'One result per debit, in request order.');

const presentDebit = (debit: DebitRecord) => ({ status: 201, body: debitView(debit) });

function debitInput(body: Static<typeof CreateDebitBody>, param: string) {
  const { idempotencyKey, occurredAt, ...rest } = body;
  return Object.assign({}, rest, { occurredAt: parseOptionalTimestamp(occurredAt, `${param}occurredAt`) ?? undefined, idempotencyKey });
}

export function registerDebitRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateDebitBody> }>('/debits', { schema: routeSchema({ operationId: 'createDebit', summary: 'Consume credits from a wallet', tags: ['debits'], body: CreateDebitBody, success: { 201: DebitView }, errors: [402, 404], idempotent: true }) }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = debitInput(request.body, '');
    const outcome = await createDebit(app, {
      context: contextOf(request),
      input,
      idempotency: idempotencyOf(request, 'debits.create'),
      present: presentDebit,
    });
    return sendOutcome(reply, outcome);
  });

  /** Per-item results: 200 with `{object:"list", data:[{status, debit | error}]}`, in request order. */
  server.post<{ Body: Static<typeof DebitBatchBody> }>('/debits/batch', {
    schema: routeSchema({
      operationId: 'createDebitBatch',
      summary: 'Up to 1000 debits in one request, each succeeding or failing on its own',
      tags: ['debits'],
      body: DebitBatchBody,
      success: { 200: DebitBatchView },
      idempotent: true,
    }),
  }, async (request) => {
    const items = request.body.debits.map((item, index) => {
      const { idempotencyKey, ...input } = debitInput(item, `debits.${index}.`);
      return idempotencyKey === undefined ? input : Object.assign({}, input, { idempotencyKey });
    });
    const batchKey = idempotencyOf(request, 'debits.batch');
    const results = await createDebitBatch(app, { context: contextOf(request), items, idempotency: batchKey, present: presentDebit });
    return batchResultsView(results, request.id, (outcome) => ({ replayed: outcome.replayed, debit: outcome.body }));
  });

  server.get<{ Querystring: Static<typeof ListDebitsQuery> }>('/debits', { schema: routeSchema({ operationId: 'listDebits', summary: 'List debits, newest first', tags: ['debits'], querystring: ListDebitsQuery, success: { 200: listOf(DebitView, 'A page of debits.') } }) }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listDebits(app, contextOf(request), filters, pageOf(request.query)), debitView);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/debits/:id', { schema: routeSchema({ operationId: 'getDebit', summary: 'Get a debit', tags: ['debits'], params: IdParams, success: { 200: DebitView } }) }, async (request) =>
    debitView(await getDebit(app, contextOf(request), request.params.id)),
  );
}

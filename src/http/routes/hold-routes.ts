import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createHold, endHold, getHold, listHolds } from '../../app/holds.ts';
import type { DebitRecord, HoldRecord } from '../../store/records.ts';
import { holdView, listView } from '../presenters.ts';
import { ListHoldsQuery } from '../read-schemas.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { HoldView, listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { CaptureHoldBody, CreateHoldBody, EmptyActionBody, IdParams } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';

const presentHold = (status: number) => (hold: HoldRecord, debit: DebitRecord | null) => ({ status, body: holdView(hold, debit) });

export function registerHoldRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateHoldBody> }>('/holds', { schema: routeSchema({ operationId: 'createHold', summary: 'Reserve credits', tags: ['holds'], body: CreateHoldBody, success: { 201: HoldView }, errors: [402, 404], idempotent: true }) }, async (request, reply) => {
    const { idempotencyKey: _key, expiresAt, ...input } = request.body;
    const outcome = await createHold(app, {
      context: contextOf(request),
      input: Object.assign({}, input, { expiresAt: parseOptionalTimestamp(expiresAt, 'expiresAt') ?? undefined }),
      idempotency: idempotencyOf(request, 'holds.create'),
      present: presentHold(201),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Querystring: Static<typeof ListHoldsQuery> }>('/holds', { schema: routeSchema({ operationId: 'listHolds', summary: 'List holds, newest first', tags: ['holds'], querystring: ListHoldsQuery, success: { 200: listOf(HoldView, 'A page of holds.') } }) }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    const { page } = await listHolds(app, contextOf(request), filters, pageOf(request.query));
    return listView(page, (hold) => holdView(hold, null));
  });

  server.get<{ Params: Static<typeof IdParams> }>('/holds/:id', { schema: routeSchema({ operationId: 'getHold', summary: 'Get a hold', tags: ['holds'], params: IdParams, success: { 200: HoldView } }) }, async (request) => {
    const { hold } = await getHold(app, contextOf(request), request.params.id);
    return holdView(hold, null);
  });

  server.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CaptureHoldBody> }>(
    '/holds/:id/capture',
    {
      schema: routeSchema({
        operationId: 'captureHold',
        summary: 'Capture a hold: debit all of it or part (the rest is released)',
        tags: ['holds'],
        params: IdParams,
        body: CaptureHoldBody,
        success: { 200: HoldView },
        idempotent: true,
      }),
    },
    async (request, reply) => {
      const body = request.body;
      const outcome = await endHold(app, {
        context: contextOf(request),
        holdId: request.params.id,
        action: { kind: 'capture', ...(body.amount !== undefined ? { amount: body.amount } : {}), metadata: body.metadata },
        idempotency: idempotencyOf(request, 'holds.capture'),
        present: presentHold(200),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.post<{ Params: Static<typeof IdParams> }>(
    '/holds/:id/release',
    { schema: routeSchema({ operationId: 'releaseHold', summary: 'Release a hold', tags: ['holds'], params: IdParams, body: EmptyActionBody, success: { 200: HoldView }, idempotent: true }) },
    async (request, reply) => {
      const outcome = await endHold(app, {
        context: contextOf(request),
        holdId: request.params.id,
        action: { kind: 'release' },
        idempotency: idempotencyOf(request, 'holds.release'),
        present: presentHold(200),
      });
      return sendOutcome(reply, outcome);
    },
  );
}

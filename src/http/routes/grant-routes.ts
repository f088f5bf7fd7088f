import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { changeGrant, createGrant, getGrant, listGrants } from '../../app/grants.ts';
import type { GrantStatus } from '../../domain/types.ts';
import { cancelSchedule, getSchedule, listSchedules } from '../../app/schedules.ts';
import { grantView, listView, scheduleView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { GrantView, listOf, ScheduleView } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { CreateGrantBody, EmptyActionBody, IdParams, ListGrantsQuery, ListSchedulesQuery, UpdateGrantBody } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import type { GrantRecord } from '../../store/records.ts';

const presentGrant = (status: number) => (grant: GrantRecord, now: number) => ({ status, body: grantView(grant, now) });

export function registerGrantRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateGrantBody> }>('/grants', { schema: routeSchema({ operationId: 'createGrant', summary: 'Grant credits to a wallet', tags: ['grants'], body: CreateGrantBody, success: { 201: GrantView }, errors: [404], idempotent: true }) }, async (request, reply) => {
    const body = request.body;
    const outcome = await createGrant(app, {
      context: contextOf(request),
      input: Object.assign({}, body, {
        effectiveAt: parseOptionalTimestamp(body.effectiveAt, 'effectiveAt') ?? undefined,
        expiresAt: parseOptionalTimestamp(body.expiresAt, 'expiresAt'),
        recurrenceEndsAt: parseOptionalTimestamp(body.recurrenceEndsAt, 'recurrenceEndsAt'),
      }),
      idempotency: idempotencyOf(request, 'grants.create'),
      present: presentGrant(201),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/grants/:id', { schema: routeSchema({ operationId: 'getGrant', summary: 'Get a grant', tags: ['grants'], params: IdParams, success: { 200: GrantView } }) }, async (request) => {
    const { grant, now } = await getGrant(app, contextOf(request), request.params.id);
    return grantView(grant, now);
  });

  server.get<{ Querystring: Static<typeof ListGrantsQuery> }>('/grants', { schema: routeSchema({ operationId: 'listGrants', summary: 'List grants, newest first', tags: ['grants'], querystring: ListGrantsQuery, success: { 200: listOf(GrantView, 'A page of grants.') } }) }, async (request) => {
    const { customerId, unit, walletKey, status, includeVoided } = request.query;
    const { page, now } = await listGrants(
      app,
      contextOf(request),
      Object.assign({}, customerId !== undefined ? { customerId } : {}, unit !== undefined ? { unit } : {}, walletKey !== undefined ? { walletKey } : {}, status !== undefined ? { status: status as GrantStatus } : {}, {
        includeVoided: includeVoided === true,
      }),
      pageOf(request.query),
    );
    return listView(page, (grant) => grantView(grant, now));
  });

  server.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateGrantBody> }>(
    '/grants/:id',
    { schema: routeSchema({ operationId: 'updateGrant', summary: "Change a grant's expiry, priority, name or metadata", tags: ['grants'], params: IdParams, body: UpdateGrantBody, success: { 200: GrantView }, idempotent: true }) },
    async (request, reply) => {
      const { idempotencyKey: _key, expiresAt, ...changes } = request.body;
      const parsedExpiry = parseOptionalTimestamp(expiresAt, 'expiresAt');
      const outcome = await changeGrant(app, {
        context: contextOf(request),
        grantId: request.params.id,
        action: { kind: 'update', changes: Object.assign({}, changes, parsedExpiry !== undefined ? { expiresAt: parsedExpiry } : {}) },
        idempotency: idempotencyOf(request, 'grants.update'),
        present: presentGrant(200),
      });
      return sendOutcome(reply, outcome);
    },
  );

  for (const kind of ['void', 'expire'] as const) {
    server.post<{ Params: Static<typeof IdParams> }>(
      `/grants/:id/${kind}`,
      {
        schema: routeSchema({
          operationId: `${kind}Grant`,
          summary: kind === 'void' ? 'Void a grant: what is left of it is removed' : 'Expire a grant now',
          tags: ['grants'],
          params: IdParams,
          body: EmptyActionBody,
          success: { 200: GrantView },
          idempotent: true,
        }),
      },
      async (request, reply) => {
        const outcome = await changeGrant(app, {
          context: contextOf(request),
          grantId: request.params.id,
          action: { kind },
          idempotency: idempotencyOf(request, `grants.${kind}`),
          present: presentGrant(200),
        });
        return sendOutcome(reply, outcome);
      },
    );
  }
}

export function registerScheduleRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.get<{ Querystring: Static<typeof ListSchedulesQuery> }>(
    '/grant-schedules',
    { schema: routeSchema({ operationId: 'listGrantSchedules', summary: 'List recurring grant schedules', tags: ['grant schedules'], querystring: ListSchedulesQuery, success: { 200: listOf(ScheduleView, 'A page of grant schedules.') } }) },
    async (request) => {
      const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
      return listView(await listSchedules(app, contextOf(request), filters, pageOf(request.query)), scheduleView);
    },
  );

  server.get<{ Params: Static<typeof IdParams> }>('/grant-schedules/:id', { schema: routeSchema({ operationId: 'getGrantSchedule', summary: 'Get a grant schedule', tags: ['grant schedules'], params: IdParams, success: { 200: ScheduleView } }) }, async (request) =>
    scheduleView(await getSchedule(app, contextOf(request), request.params.id)),
  );

  server.post<{ Params: Static<typeof IdParams> }>(
    '/grant-schedules/:id/cancel',
    {
      schema: routeSchema({
        operationId: 'cancelGrantSchedule',
        summary: 'Cancel a schedule: it issues no more grants',
        tags: ['grant schedules'],
        params: IdParams,
        body: EmptyActionBody,
        success: { 200: ScheduleView },
        idempotent: true,
      }),
    },
    async (request, reply) => {
      const outcome = await cancelSchedule(app, {
        context: contextOf(request),
        scheduleId: request.params.id,
        idempotency: idempotencyOf(request, 'grant-schedules.cancel'),
        present: (schedule) => ({ status: 200, body: scheduleView(schedule) }),
      });
      return sendOutcome(reply, outcome);
    },
  );
}

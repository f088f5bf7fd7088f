import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { changeGrant, createGrant, getGrant, listGrants } from '../../app/grants.ts';
import type { GrantStatus } from '../../domain/types.ts';
import { cancelSchedule, getSchedule, listSchedules } from '../../app/schedules.ts';
import { grantView, listView, scheduleView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { CreateGrantBody, EmptyActionBody, IdParams, ListGrantsQuery, ListSchedulesQuery, UpdateGrantBody } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import type { GrantRecord } from '../../store/records.ts';

const presentGrant = (status: number) => (grant: GrantRecord, now: number) => ({ status, body: grantView(grant, now) });

export function registerGrantRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateGrantBody> }>('/grants', { schema: { tags: ['grants'], body: CreateGrantBody } }, async (request, reply) => {
    const body = request.body;
    const outcome = await createGrant(app, {
      context: contextOf(request),
      input: {
        ...body,
        effectiveAt: parseOptionalTimestamp(body.effectiveAt, 'effectiveAt') ?? undefined,
        expiresAt: parseOptionalTimestamp(body.expiresAt, 'expiresAt'),
        recurrenceEndsAt: parseOptionalTimestamp(body.recurrenceEndsAt, 'recurrenceEndsAt'),
      },
      idempotency: idempotencyOf(request, 'grants.create'),
      present: presentGrant(201),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/grants/:id', { schema: { tags: ['grants'], params: IdParams } }, async (request) => {
    const { grant, now } = await getGrant(app, contextOf(request), request.params.id);
    return grantView(grant, now);
  });

  server.get<{ Querystring: Static<typeof ListGrantsQuery> }>('/grants', { schema: { tags: ['grants'], querystring: ListGrantsQuery } }, async (request) => {
    const { customerId, unit, walletKey, status, includeVoided } = request.query;
    const { page, now } = await listGrants(
      app,
      contextOf(request),
      {
        ...(customerId !== undefined ? { customerId } : {}),
        ...(unit !== undefined ? { unit } : {}),
        ...(walletKey !== undefined ? { walletKey } : {}),
        ...(status !== undefined ? { status: status as GrantStatus } : {}),
        includeVoided: includeVoided === 'true',
      },
      pageOf(request.query),
    );
    return listView(page, (grant) => grantView(grant, now));
  });

  server.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateGrantBody> }>(
    '/grants/:id',
    { schema: { tags: ['grants'], params: IdParams, body: UpdateGrantBody } },
    async (request, reply) => {
      const { idempotencyKey: _key, expiresAt, ...changes } = request.body;
      const parsedExpiry = parseOptionalTimestamp(expiresAt, 'expiresAt');
      const outcome = await changeGrant(app, {
        context: contextOf(request),
        grantId: request.params.id,
        action: { kind: 'update', changes: { ...changes, ...(parsedExpiry !== undefined ? { expiresAt: parsedExpiry } : {}) } },
        idempotency: idempotencyOf(request, 'grants.update'),
        present: presentGrant(200),
      });
      return sendOutcome(reply, outcome);
    },
  );

  for (const kind of ['void', 'expire'] as const) {
    server.post<{ Params: Static<typeof IdParams> }>(
      `/grants/:id/${kind}`,
      { schema: { tags: ['grants'], params: IdParams, body: EmptyActionBody } },
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
    { schema: { tags: ['grant schedules'], querystring: ListSchedulesQuery } },
    async (request) => {
      const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
      return listView(await listSchedules(app, contextOf(request), filters, pageOf(request.query)), scheduleView);
    },
  );

  server.get<{ Params: Static<typeof IdParams> }>('/grant-schedules/:id', { schema: { tags: ['grant schedules'], params: IdParams } }, async (request) =>
    scheduleView(await getSchedule(app, contextOf(request), request.params.id)),
  );

  server.post<{ Params: Static<typeof IdParams> }>(
    '/grant-schedules/:id/cancel',
    { schema: { tags: ['grant schedules'], params: IdParams, body: EmptyActionBody } },
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

import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { checkEntitlement } from '../../app/entitlements.ts';
import type { Outcome } from '../../app/idempotency.ts';
import { usageReport } from '../../app/usage-report.ts';
import { getUsageEvent, recordUsageEvent, recordUsageEvents, type UsageEventInput } from '../../app/usage-events.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { batchResultsView, idempotencyOf, type RouteDependencies } from '../route-support.ts';
import { parseOptionalTimestamp, parseTimestamp } from '../../edge/time.ts';
import { CreateUsageEventBody, EntitlementCheckBody, UsageEventBatchBody, UsageEventParams, UsageReportQuery } from '../usage-schemas.ts';
import { entitlementView, usageEventView, usageReportView } from '../usage-presenters.ts';

const presentUsageEvent = (...args: Parameters<typeof usageEventView>) => ({ status: 201, body: usageEventView(...args) });

function usageEventInput(body: Static<typeof CreateUsageEventBody>, param: string): UsageEventInput {
  const { timestamp, ...rest } = body;
  return { ...rest, timestamp: parseOptionalTimestamp(timestamp, `${param}timestamp`) ?? undefined };
}

/** A resend of an event answers what the first send did, marked as a duplicate. */
function withDuplicateFlag(outcome: Outcome): Outcome {
  return { ...outcome, body: { ...(outcome.body as object), duplicate: outcome.replayed } };
}

/** Usage events (one, or a batch) and entitlement checks. */
export function registerUsageRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateUsageEventBody> }>(
    '/usage-events',
    { schema: { tags: ['usage'], operationId: 'createUsageEvent', body: CreateUsageEventBody } },
    async (request, reply) => {
      const outcome = await recordUsageEvent(app, { context: contextOf(request), input: usageEventInput(request.body, ''), present: presentUsageEvent });
      return sendOutcome(reply, withDuplicateFlag(outcome));
    },
  );

  /** Per-item results: 200 with `{object:"list", data:[{status, usageEvent | error}]}`, in request order. */
  server.post<{ Body: Static<typeof UsageEventBatchBody> }>(
    '/usage-events/batch',
    { schema: { tags: ['usage'], operationId: 'createUsageEventBatch', body: UsageEventBatchBody } },
    async (request) => {
      const items = request.body.events.map((item, index) => usageEventInput(item, `events.${index}.`));
      const results = await recordUsageEvents(app, { context: contextOf(request), items, present: presentUsageEvent });
      return batchResultsView(results, request.id, (outcome) => ({ usageEvent: withDuplicateFlag(outcome).body }));
    },
  );

  server.get<{ Params: Static<typeof UsageEventParams> }>('/usage-events/:id', { schema: { tags: ['usage'], operationId: 'getUsageEvent', params: UsageEventParams } }, async (request) => {
    const { event, price } = await getUsageEvent(app, contextOf(request), request.params.id);
    return usageEventView(event, price);
  });

  server.post<{ Body: Static<typeof EntitlementCheckBody> }>(
    '/entitlements/check',
    { schema: { tags: ['usage'], operationId: 'checkEntitlement', body: EntitlementCheckBody } },
    async (request, reply) => {
      const { idempotencyKey: _key, ...input } = request.body;
      const outcome = await checkEntitlement(app, {
        context: contextOf(request),
        input,
        idempotency: idempotencyOf(request, 'entitlements.check'),
        present: (answer) => ({ status: 200, body: entitlementView(answer) }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.get<{ Querystring: Static<typeof UsageReportQuery> }>('/usage', { schema: { tags: ['usage'], operationId: 'getUsageReport', querystring: UsageReportQuery } }, async (request) => {
    const { from, to, ...query } = request.query;
    const report = await usageReport(app, contextOf(request), { ...query, from: parseTimestamp(from, 'from'), to: parseTimestamp(to, 'to') });
    return usageReportView(report);
  });
}

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
import { batchResultsSchema, routeSchema } from '../route-contract.ts';
import { EntitlementCheckView, UsageEventView, UsageReportView } from '../usage-response-schemas.ts';
import { CreateUsageEventBody, EntitlementCheckBody, UsageEventBatchBody, UsageEventParams, UsageReportQuery } from '../usage-schemas.ts';
import { entitlementView, usageEventView, usageReportView } from '../usage-presenters.ts';

const UsageEventBatchView = batchResultsSchema({ usageEvent: UsageEventView }, 'One result per event, in request order.');

const presentUsageEvent = (...args: Parameters<typeof usageEventView>) => ({ status: 201, body: usageEventView(...args) });

function usageEventInput(body: Static<typeof CreateUsageEventBody>, param: string): UsageEventInput {
  const { timestamp, ...rest } = body;
  return Object.assign({}, rest, { timestamp: parseOptionalTimestamp(timestamp, `${param}timestamp`) ?? undefined });
}

/** A resend of an event answers what the first send did, marked as a duplicate. */
function withDuplicateFlag(outcome: Outcome): Outcome {
  return { ...outcome, body: Object.assign({}, outcome.body as object, { duplicate: outcome.replayed }) };
}

/** Usage events (one, or a batch) and entitlement checks. */
export function registerUsageRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateUsageEventBody> }>(
    '/usage-events',
    {
      schema: routeSchema({
        operationId: 'createUsageEvent',
        summary: 'Record usage: rated at its price and debited (its ID deduplicates forever)',
        tags: ['usage'],
        body: CreateUsageEventBody,
        success: { 201: UsageEventView },
        errors: [404, 409],
        replayed: true,
      }),
    },
    async (request, reply) => {
      const outcome = await recordUsageEvent(app, { context: contextOf(request), input: usageEventInput(request.body, ''), present: presentUsageEvent });
      return sendOutcome(reply, withDuplicateFlag(outcome));
    },
  );

  /** Per-item results: 200 with `{object:"list", data:[{status, usageEvent | error}]}`, in request order. */
  server.post<{ Body: Static<typeof UsageEventBatchBody> }>(
    '/usage-events/batch',
    {
      schema: routeSchema({
        operationId: 'createUsageEventBatch',
        summary: 'Up to 1000 usage events, each succeeding or failing on its own',
        tags: ['usage'],
        body: UsageEventBatchBody,
        success: { 200: UsageEventBatchView },
      }),
    },
    async (request) => {
      const items = request.body.events.map((item, index) => usageEventInput(item, `events.${index}.`));
      const results = await recordUsageEvents(app, { context: contextOf(request), items, present: presentUsageEvent });
      return batchResultsView(results, request.id, (outcome) => ({ usageEvent: withDuplicateFlag(outcome).body }));
    },
  );

  server.get<{ Params: Static<typeof UsageEventParams> }>('/usage-events/:id', { schema: routeSchema({ operationId: 'getUsageEvent', summary: 'Get a usage event', tags: ['usage'], params: UsageEventParams, success: { 200: UsageEventView } }) }, async (request) => {
    const { event, price } = await getUsageEvent(app, contextOf(request), request.params.id);
    return usageEventView(event, price);
  });

  server.post<{ Body: Static<typeof EntitlementCheckBody> }>(
    '/entitlements/check',
    {
      schema: routeSchema({
        operationId: 'checkEntitlement',
        summary: 'Whether usage can be paid for now, optionally reserving its cost',
        tags: ['usage'],
        body: EntitlementCheckBody,
        success: { 200: EntitlementCheckView },
        errors: [404],
        idempotent: true,
      }),
    },
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

  server.get<{ Querystring: Static<typeof UsageReportQuery> }>('/usage', {
      schema: routeSchema({
        operationId: 'getUsageReport',
        summary: "A customer's usage and its cost per bucket of time",
        tags: ['usage'],
        querystring: UsageReportQuery,
        success: { 200: UsageReportView },
        errors: [404],
      }),
    }, async (request) => {
    const { from, to, ...query } = request.query;
    const report = await usageReport(app, contextOf(request), Object.assign({}, query, { from: parseTimestamp(from, 'from'), to: parseTimestamp(to, 'to') }));
    return usageReportView(report);
  });
}

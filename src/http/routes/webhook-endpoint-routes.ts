import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  createWebhookEndpoint,
  DEFAULT_SECRET_GRACE_MS,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
  resendDelivery,
  rotateWebhookSecret,
} from '../../app/webhook-endpoints.ts';
import type { DeliveryStatus } from '../../store/webhook-records.ts';
import { listView } from '../presenters.ts';
import { CreateWebhookEndpointBody, DeliveryParams, ListDeliveriesQuery, RotateWebhookSecretBody } from '../purchase-schemas.ts';
import { deliveryView, webhookEndpointView } from '../purchase-presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { EmptyActionBody, IdParams, ListQuery } from '../schemas.ts';

/** Webhook endpoints, their delivery log and manual resend. */
export function registerWebhookEndpointRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateWebhookEndpointBody> }>(
    '/webhook-endpoints',
    { schema: { tags: ['webhooks'], body: CreateWebhookEndpointBody } },
    async (request, reply) => {
      const { idempotencyKey: _key, ...input } = request.body;
      const outcome = await createWebhookEndpoint(app, {
        context: contextOf(request),
        input,
        idempotency: idempotencyOf(request, 'webhook-endpoints.create'),
        present: (endpoint, options) => ({ status: 201, body: webhookEndpointView(endpoint, options) }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RotateWebhookSecretBody> }>(
    '/webhook-endpoints/:id/rotate-secret',
    { schema: { tags: ['webhooks'], params: IdParams, body: RotateWebhookSecretBody } },
    async (request, reply) => {
      const { gracePeriodSeconds } = request.body ?? {};
      const outcome = await rotateWebhookSecret(app, {
        context: contextOf(request),
        endpointId: request.params.id,
        gracePeriodMs: gracePeriodSeconds === undefined ? DEFAULT_SECRET_GRACE_MS : gracePeriodSeconds * 1000,
        idempotency: idempotencyOf(request, `webhook-endpoints.rotate-secret:${request.params.id}`),
        present: (endpoint, options) => ({ status: 200, body: webhookEndpointView(endpoint, options) }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.get<{ Querystring: Static<typeof ListQuery> }>('/webhook-endpoints', { schema: { tags: ['webhooks'], querystring: ListQuery } }, async (request) =>
    listView(await listWebhookEndpoints(app, contextOf(request), pageOf(request.query)), (endpoint) => webhookEndpointView(endpoint)),
  );

  server.get<{ Params: Static<typeof IdParams> }>('/webhook-endpoints/:id', { schema: { tags: ['webhooks'], params: IdParams } }, async (request) =>
    webhookEndpointView(await getWebhookEndpoint(app, contextOf(request), request.params.id)),
  );

  server.delete<{ Params: Static<typeof IdParams> }>('/webhook-endpoints/:id', { schema: { tags: ['webhooks'], params: IdParams } }, async (request) => {
    const endpoint = await deleteWebhookEndpoint(app, contextOf(request), request.params.id);
    return { object: 'webhook_endpoint', id: endpoint.id, deleted: true };
  });

  server.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ListDeliveriesQuery> }>(
    '/webhook-endpoints/:id/deliveries',
    { schema: { tags: ['webhooks'], params: IdParams, querystring: ListDeliveriesQuery } },
    async (request) => {
      const { status } = request.query;
      const page = await listDeliveries(app, contextOf(request), { endpointId: request.params.id, ...(status !== undefined ? { status: status as DeliveryStatus } : {}), page: pageOf(request.query) });
      return listView(page, deliveryView);
    },
  );

  server.post<{ Params: Static<typeof DeliveryParams> }>(
    '/webhook-endpoints/:id/deliveries/:deliveryId/resend',
    { schema: { tags: ['webhooks'], params: DeliveryParams, body: EmptyActionBody } },
    async (request) => {
      const { delivery } = await resendDelivery(app, contextOf(request), { endpointId: request.params.id, deliveryId: request.params.deliveryId });
      return deliveryView(delivery);
    },
  );
}

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
import { DeletedWebhookEndpointView, DeliveryView, WebhookEndpointView } from '../purchase-response-schemas.ts';
import { listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { EmptyActionBody, IdParams, ListQuery } from '../schemas.ts';

/** Webhook endpoints, their delivery log and manual resend. */
export function registerWebhookEndpointRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateWebhookEndpointBody> }>(
    '/webhook-endpoints',
    {
      schema: routeSchema({
        operationId: 'createWebhookEndpoint',
        summary: 'Add a webhook endpoint (the answer holds its signing secret, shown once)',
        tags: ['webhooks'],
        body: CreateWebhookEndpointBody,
        success: { 201: WebhookEndpointView },
        idempotent: true,
      }),
    },
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
    {
      schema: routeSchema({
        operationId: 'rotateWebhookSecret',
        summary: "Replace an endpoint's signing secret (the old one keeps signing for a grace period)",
        tags: ['webhooks'],
        params: IdParams,
        body: RotateWebhookSecretBody,
        success: { 200: WebhookEndpointView },
        idempotent: true,
      }),
    },
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

  server.get<{ Querystring: Static<typeof ListQuery> }>('/webhook-endpoints', { schema: routeSchema({ operationId: 'listWebhookEndpoints', summary: 'List webhook endpoints', tags: ['webhooks'], querystring: ListQuery, success: { 200: listOf(WebhookEndpointView, 'A page of webhook endpoints.') } }) }, async (request) =>
    listView(await listWebhookEndpoints(app, contextOf(request), pageOf(request.query)), (endpoint) => webhookEndpointView(endpoint)),
  );

  server.get<{ Params: Static<typeof IdParams> }>('/webhook-endpoints/:id', { schema: routeSchema({ operationId: 'getWebhookEndpoint', summary: 'Get a webhook endpoint', tags: ['webhooks'], params: IdParams, success: { 200: WebhookEndpointView } }) }, async (request) =>
    webhookEndpointView(await getWebhookEndpoint(app, contextOf(request), request.params.id)),
  );

  server.delete<{ Params: Static<typeof IdParams> }>(
    '/webhook-endpoints/:id',
    { schema: routeSchema({ operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint', tags: ['webhooks'], params: IdParams, success: { 200: DeletedWebhookEndpointView } }) }, async (request) => {
    const endpoint = await deleteWebhookEndpoint(app, contextOf(request), request.params.id);
    return { object: 'webhook_endpoint', id: endpoint.id, deleted: true };
  });

  server.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ListDeliveriesQuery> }>(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: routeSchema({
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's delivery log, newest first",
        tags: ['webhooks'],
        params: IdParams,
        querystring: ListDeliveriesQuery,
        success: { 200: listOf(DeliveryView, 'A page of deliveries.') },
      }),
    },
    async (request) => {
      const { status } = request.query;
      const page = await listDeliveries(app, contextOf(request), { endpointId: request.params.id, ...(status !== undefined ? { status: status as DeliveryStatus } : {}), page: pageOf(request.query) });
      return listView(page, deliveryView);
    },
  );

  server.post<{ Params: Static<typeof DeliveryParams> }>(
    '/webhook-endpoints/:id/deliveries/:deliveryId/resend',
    {
      schema: routeSchema({
        operationId: 'resendWebhookDelivery',
        summary: 'Deliver an event to the endpoint again now',
        tags: ['webhooks'],
        params: DeliveryParams,
        body: EmptyActionBody,
        success: { 200: DeliveryView },
      }),
    },
    async (request) => {
      const { delivery } = await resendDelivery(app, contextOf(request), { endpointId: request.params.id, deliveryId: request.params.deliveryId });
      return deliveryView(delivery);
    },
  );
}

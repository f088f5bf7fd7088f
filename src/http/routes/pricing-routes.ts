import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createFeature, createPrice, findFeature, getPrice, listFeatures, listPrices } from '../../app/pricing.ts';
import { listView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { FeatureView, PriceView } from '../usage-response-schemas.ts';
import { IdParams } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import { CreateFeatureBody, CreatePriceBody, FeatureParams, ListPricesQuery } from '../usage-schemas.ts';
import { featureView, priceView } from '../usage-presenters.ts';

/** Features and their prices. */
export function registerPricingRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateFeatureBody> }>('/features', {
    schema: routeSchema({
      operationId: 'createFeature',
      summary: 'Create a feature (200 with the existing one when it exists unchanged)',
      tags: ['features'],
      body: CreateFeatureBody,
      success: { 201: FeatureView, 200: FeatureView },
      errors: [409],
    }),
  }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const { feature, created } = await createFeature(app, contextOf(request), input);
    return reply.code(created ? 201 : 200).send(featureView(feature));
  });

  server.get('/features', { schema: routeSchema({ operationId: 'listFeatures', summary: 'List features', tags: ['features'], success: { 200: listOf(FeatureView, 'Every feature.') } }) }, async (request) => {
    const features = await listFeatures(app, contextOf(request));
    return { object: 'list', data: features.map(featureView), hasMore: false };
  });

  server.get<{ Params: Static<typeof FeatureParams> }>('/features/:key', { schema: routeSchema({ operationId: 'getFeature', summary: 'Get a feature', tags: ['features'], params: FeatureParams, success: { 200: FeatureView } }) }, async (request) =>
    featureView(await findFeature(app, contextOf(request).environment.id, request.params.key, 'key')),
  );

  server.post<{ Body: Static<typeof CreatePriceBody> }>('/prices', {
    schema: routeSchema({
      operationId: 'createPrice',
      summary: 'Price a feature in a unit, from a moment on',
      tags: ['prices'],
      body: CreatePriceBody,
      success: { 201: PriceView },
      errors: [404],
      idempotent: true,
    }),
  }, async (request, reply) => {
    const { idempotencyKey: _key, effectiveAt, ...input } = request.body;
    const outcome = await createPrice(app, {
      context: contextOf(request),
      input: Object.assign({}, input, { effectiveAt: parseOptionalTimestamp(effectiveAt, 'effectiveAt') ?? undefined }),
      idempotency: idempotencyOf(request, 'prices.create'),
      present: (price) => ({ status: 201, body: priceView(price) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/prices/:id', { schema: routeSchema({ operationId: 'getPrice', summary: 'Get a price', tags: ['prices'], params: IdParams, success: { 200: PriceView } }) }, async (request) =>
    priceView(await getPrice(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListPricesQuery> }>('/prices', { schema: routeSchema({ operationId: 'listPrices', summary: 'List prices', tags: ['prices'], querystring: ListPricesQuery, success: { 200: listOf(PriceView, 'A page of prices.') } }) }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listPrices(app, contextOf(request), filters, pageOf(request.query)), priceView);
  });
}

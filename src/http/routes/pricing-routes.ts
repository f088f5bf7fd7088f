import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createFeature, createPrice, findFeature, getPrice, listFeatures, listPrices } from '../../app/pricing.ts';
import { listView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { IdParams } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import { CreateFeatureBody, CreatePriceBody, FeatureParams, ListPricesQuery } from '../usage-schemas.ts';
import { featureView, priceView } from '../usage-presenters.ts';

/** Features and their prices. */
export function registerPricingRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateFeatureBody> }>('/features', { schema: { tags: ['features'], operationId: 'createFeature', body: CreateFeatureBody } }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const { feature, created } = await createFeature(app, contextOf(request), input);
    return reply.code(created ? 201 : 200).send(featureView(feature));
  });

  server.get('/features', { schema: { tags: ['features'], operationId: 'listFeatures' } }, async (request) => {
    const features = await listFeatures(app, contextOf(request));
    return { object: 'list', data: features.map(featureView), hasMore: false };
  });

  server.get<{ Params: Static<typeof FeatureParams> }>('/features/:key', { schema: { tags: ['features'], operationId: 'getFeature', params: FeatureParams } }, async (request) =>
    featureView(await findFeature(app, contextOf(request).environment.id, request.params.key, 'key')),
  );

  server.post<{ Body: Static<typeof CreatePriceBody> }>('/prices', { schema: { tags: ['prices'], operationId: 'createPrice', body: CreatePriceBody } }, async (request, reply) => {
    const { idempotencyKey: _key, effectiveAt, ...input } = request.body;
    const outcome = await createPrice(app, {
      context: contextOf(request),
      input: { ...input, effectiveAt: parseOptionalTimestamp(effectiveAt, 'effectiveAt') ?? undefined },
      idempotency: idempotencyOf(request, 'prices.create'),
      present: (price) => ({ status: 201, body: priceView(price) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/prices/:id', { schema: { tags: ['prices'], operationId: 'getPrice', params: IdParams } }, async (request) =>
    priceView(await getPrice(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListPricesQuery> }>('/prices', { schema: { tags: ['prices'], operationId: 'listPrices', querystring: ListPricesQuery } }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listPrices(app, contextOf(request), filters, pageOf(request.query)), priceView);
  });
}

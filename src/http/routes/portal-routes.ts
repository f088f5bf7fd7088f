import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findCustomer } from '../../app/accounts.ts';
import { buyPortalPack, createPortalSession, MAX_PORTAL_SESSION_SECONDS } from '../../app/portal-sessions.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { PortalSessionRecord } from '../../store/payment-records.ts';
import { purchaseView } from '../purchase-presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, type RouteDependencies } from '../route-support.ts';
import { PurchaseView } from '../purchase-response-schemas.ts';
import { AmountText, NullableText, Time, view } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { Amount, IdempotencyKeyField, Identifier, strictObject } from '../schemas.ts';
import { toTimestamp } from '../../edge/time.ts';

const Pack = strictObject({
  unit: Type.String({ minLength: 1, maxLength: 64 }),
  amount: Amount,
  price: Type.String({ pattern: '^\\d{1,12}(\\.\\d+)?$', description: 'What the customer pays, a decimal string in the currency.', examples: ['5.00'] }),
  currency: Type.Optional(Type.String({ pattern: '^[a-z]{3}$' })),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
});

export const CreatePortalSessionBody = strictObject({
  customerId: Identifier,
  returnUrl: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()])),
  expiresIn: Type.Optional(Type.Integer({ minimum: 60, maximum: MAX_PORTAL_SESSION_SECONDS, description: 'Seconds the link works; default 3600.' })),
  packs: Type.Optional(Type.Array(Pack, { maxItems: 10, description: 'What the customer may buy in the portal (through the ordinary checkout).' })),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

const BuyPackBody = strictObject({ pack: Type.Integer({ minimum: 0, maximum: 9, description: 'Index into the session\'s packs.' }), idempotencyKey: Type.Optional(IdempotencyKeyField) });

const PackView = view({ unit: Type.String(), amount: AmountText, price: Type.String(), currency: NullableText, name: NullableText }, 'A pack of credits the customer may buy.');
const PortalSessionResponse = view(
  {
  object: Type.Literal('portal_session'),
  id: Type.String(),
  customerId: Type.String(),
  url: Type.String({ description: 'Open this in the customer\'s browser. The token is in the fragment; it is shown only in this response.' }),
  returnUrl: NullableText,
  packs: Type.Array(PackView),
  expiresAt: Time,
  createdAt: Time,
  },
  'A customer portal session and its one-time link.',
);
const PortalSelfResponse = view(
  {
  object: Type.Literal('portal_session'),
  id: Type.String(),
  customer: view({ id: Type.String(), name: NullableText }, 'The customer the portal is for.'),
  livemode: Type.Boolean(),
  returnUrl: NullableText,
  packs: Type.Array(PackView),
  expiresAt: Time,
  },
  'The portal session the token belongs to.',
);

function sessionFields(session: PortalSessionRecord) {
  return { id: session.id, returnUrl: session.returnUrl, packs: session.packs, expiresAt: toTimestamp(session.expiresAt) };
}

/** Customer portal sessions: made with an API key; the token then reads its own session and buys offered packs. */
export function registerPortalRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreatePortalSessionBody> }>(
    '/portal-sessions',
    {
      schema: routeSchema({
        operationId: 'createPortalSession',
        summary: "A short-lived link to a customer's portal",
        tags: ['portal'],
        body: CreatePortalSessionBody,
        success: { 201: PortalSessionResponse },
        errors: [404],
      }),
    },
    async (request, reply) => {
      const { idempotencyKey: _key, ...input } = request.body;
      const { session, url } = await createPortalSession(app, contextOf(request), input);
      return reply.code(201).send({ object: 'portal_session', customerId: session.customerId, url, ...sessionFields(session), createdAt: toTimestamp(session.createdAt) });
    },
  );

  server.get('/portal-session', {
      schema: routeSchema({
        operationId: 'getPortalSession',
        summary: 'The portal session of this portal token',
        tags: ['portal'],
        success: { 200: PortalSelfResponse },
      }),
    }, async (request) => {
    const context = contextOf(request);
    const session = portalSessionOf(context);
    const customer = await findCustomer(app, context, session.customerId);
    return {
      object: 'portal_session',
      customer: { id: session.customerId, name: customer?.name ?? null },
      livemode: context.environment.mode === 'live',
      ...sessionFields(session),
    };
  });

  server.post<{ Body: Static<typeof BuyPackBody> }>(
    '/portal-session/purchases',
    {
      schema: routeSchema({
        operationId: 'buyPortalPack',
        summary: 'Buy one of the packs the portal session offers',
        tags: ['portal'],
        body: BuyPackBody,
        success: { 201: PurchaseView },
        errors: [404, 501],
        idempotent: true,
      }),
    },
    async (request, reply) => {
      const context = contextOf(request);
      const outcome = await buyPortalPack(app, {
        context,
        session: portalSessionOf(context),
        pack: request.body.pack,
        idempotency: idempotencyOf(request, 'portal.purchases.create'),
        present: (purchase) => ({ status: 201, body: purchaseView(purchase) }),
      });
      return sendOutcome(reply, outcome);
    },
  );
}

function portalSessionOf(context: ReturnType<typeof contextOf>): PortalSessionRecord {
  if (!context.portalSession) throw new CreditbookError('forbidden', 'This route is for customer portal sessions; open the portal link.');
  return context.portalSession;
}

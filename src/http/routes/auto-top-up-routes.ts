import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createPaymentMethod, getPaymentMethod, listPaymentMethods } from '../../app/auto-top-up-payment-methods.ts';
import { getBalanceSettings, listAutoTopUps, setBalanceSettings } from '../../app/auto-top-up-settings.ts';
import { listView } from '../presenters.ts';
import { CreatePaymentMethodBody, ListAutoTopUpsQuery, ListPaymentMethodsQuery, SetBalanceSettingsBody, WalletQuery } from '../purchase-schemas.ts';
import { autoTopUpView, balanceSettingsView, paymentMethodView } from '../purchase-presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { IdParams } from '../schemas.ts';

/** Balance alerts and auto top-up per wallet, saved payment methods, and the auto top-ups made. */
export function registerAutoTopUpRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  /** Sets what is given (null clears, absent keeps). Repeating it changes nothing more, so it needs no idempotency record. */
  server.post<{ Body: Static<typeof SetBalanceSettingsBody> }>(
    '/balance-settings',
    { schema: { tags: ['auto top-up'], body: SetBalanceSettingsBody } },
    async (request, reply) => {
      const { idempotencyKey: _key, ...input } = request.body;
      const outcome = await setBalanceSettings(app, {
        context: contextOf(request),
        input,
        present: (settings) => ({ status: 200, body: balanceSettingsView(settings) }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.get<{ Querystring: Static<typeof WalletQuery> }>('/balance-settings', { schema: { tags: ['auto top-up'], querystring: WalletQuery } }, async (request) =>
    balanceSettingsView(await getBalanceSettings(app, contextOf(request), request.query)),
  );

  server.get<{ Querystring: Static<typeof ListAutoTopUpsQuery> }>('/auto-top-ups', { schema: { tags: ['auto top-up'], querystring: ListAutoTopUpsQuery } }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...wallet } = request.query;
    return listView(await listAutoTopUps(app, contextOf(request), wallet, pageOf(request.query)), autoTopUpView);
  });

  server.post<{ Body: Static<typeof CreatePaymentMethodBody> }>(
    '/payment-methods',
    { schema: { tags: ['auto top-up'], body: CreatePaymentMethodBody } },
    async (request, reply) => {
      const { idempotencyKey: _key, ...input } = request.body;
      const outcome = await createPaymentMethod(app, {
        context: contextOf(request),
        input,
        idempotency: idempotencyOf(request, 'payment-methods.create'),
        present: (method) => ({ status: 201, body: paymentMethodView(method) }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  server.get<{ Params: Static<typeof IdParams> }>('/payment-methods/:id', { schema: { tags: ['auto top-up'], params: IdParams } }, async (request) =>
    paymentMethodView(await getPaymentMethod(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListPaymentMethodsQuery> }>(
    '/payment-methods',
    { schema: { tags: ['auto top-up'], querystring: ListPaymentMethodsQuery } },
    async (request) => {
      const { customerId } = request.query;
      return listView(await listPaymentMethods(app, contextOf(request), customerId !== undefined ? { customerId } : {}, pageOf(request.query)), paymentMethodView);
    },
  );
}

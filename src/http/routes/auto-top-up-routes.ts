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
import { AutoTopUpView, BalanceSettingsView, PaymentMethodView } from '../purchase-response-schemas.ts';
import { listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { IdParams } from '../schemas.ts';

/** Balance alerts and auto top-up per wallet, saved payment methods, and the auto top-ups made. */
export function registerAutoTopUpRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  /** Sets what is given (null clears, absent keeps). Repeating it changes nothing more, so it needs no idempotency record. */
  server.post<{ Body: Static<typeof SetBalanceSettingsBody> }>(
    '/balance-settings',
    {
      schema: routeSchema({
        operationId: 'setBalanceSettings',
        summary: "Set a wallet's balance alert and auto top-up",
        tags: ['auto top-up'],
        body: SetBalanceSettingsBody,
        success: { 200: BalanceSettingsView },
        errors: [404],
      }),
    },
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

  server.get<{ Querystring: Static<typeof WalletQuery> }>('/balance-settings', {
      schema: routeSchema({
        operationId: 'getBalanceSettings',
        summary: "A wallet's balance alert and auto top-up",
        tags: ['auto top-up'],
        querystring: WalletQuery,
        success: { 200: BalanceSettingsView },
        errors: [404],
      }),
    }, async (request) =>
    balanceSettingsView(await getBalanceSettings(app, contextOf(request), request.query)),
  );

  server.get<{ Querystring: Static<typeof ListAutoTopUpsQuery> }>('/auto-top-ups', {
      schema: routeSchema({
        operationId: 'listAutoTopUps',
        summary: "List a wallet's auto top-ups, newest first",
        tags: ['auto top-up'],
        querystring: ListAutoTopUpsQuery,
        success: { 200: listOf(AutoTopUpView, 'A page of auto top-ups.') },
        errors: [404],
      }),
    }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...wallet } = request.query;
    return listView(await listAutoTopUps(app, contextOf(request), wallet, pageOf(request.query)), autoTopUpView);
  });

  server.post<{ Body: Static<typeof CreatePaymentMethodBody> }>(
    '/payment-methods',
    {
      schema: routeSchema({
        operationId: 'createPaymentMethod',
        summary: 'Save a payment method for a customer',
        tags: ['auto top-up'],
        body: CreatePaymentMethodBody,
        success: { 201: PaymentMethodView },
        errors: [404, 501],
        idempotent: true,
      }),
    },
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

  server.get<{ Params: Static<typeof IdParams> }>('/payment-methods/:id', { schema: routeSchema({ operationId: 'getPaymentMethod', summary: 'Get a payment method', tags: ['auto top-up'], params: IdParams, success: { 200: PaymentMethodView } }) }, async (request) =>
    paymentMethodView(await getPaymentMethod(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListPaymentMethodsQuery> }>(
    '/payment-methods',
    {
      schema: routeSchema({
        operationId: 'listPaymentMethods',
        summary: 'List payment methods',
        tags: ['auto top-up'],
        querystring: ListPaymentMethodsQuery,
        success: { 200: listOf(PaymentMethodView, 'A page of payment methods.') },
      }),
    },
    async (request) => {
      const { customerId } = request.query;
      return listView(await listPaymentMethods(app, contextOf(request), customerId !== undefined ? { customerId } : {}, pageOf(request.query)), paymentMethodView);
    },
  );
}

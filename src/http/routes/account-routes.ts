import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createCustomer, createUnit, getCustomer, listCustomers, listUnits, listWallets, upsertWallet } from '../../app/accounts.ts';
import { currentTime } from '../../app/dependencies.ts';
import { advanceTestClock, assertTestEnvironment } from '../../app/time-events.ts';
import { customerView, eventView, listView, unitView, walletView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { ListCustomersQuery, ListEventsQuery } from '../read-schemas.ts';
import { AdvanceClockBody, CreateCustomerBody, CreateUnitBody, IdParams, ListWalletsQuery, UpsertWalletBody } from '../schemas.ts';
import { parseTimestamp, toTimestamp } from '../../edge/time.ts';
import { listEvents } from '../../app/events.ts';

/** Customers, units, wallets, events and the test clock. */
export function registerAccountRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateCustomerBody> }>('/customers', { schema: { tags: ['customers'], body: CreateCustomerBody } }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const outcome = await createCustomer(app, {
      context: contextOf(request),
      input,
      idempotency: idempotencyOf(request, 'customers.create'),
      present: (customer) => ({ status: 201, body: customerView(customer) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/customers/:id', { schema: { tags: ['customers'], params: IdParams } }, async (request) =>
    customerView(await getCustomer(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListCustomersQuery> }>('/customers', { schema: { tags: ['customers'], querystring: ListCustomersQuery } }, async (request) =>
    listView(await listCustomers(app, contextOf(request), pageOf(request.query), request.query.search), customerView),
  );

  server.post<{ Body: Static<typeof CreateUnitBody> }>('/units', { schema: { tags: ['units'], body: CreateUnitBody } }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const { unit, created } = await createUnit(app, contextOf(request), input);
    return reply.code(created ? 201 : 200).send(unitView(unit));
  });

  server.get('/units', { schema: { tags: ['units'] } }, async (request) => {
    const units = await listUnits(app, contextOf(request));
    return { object: 'list', data: units.map(unitView), hasMore: false };
  });

  server.post<{ Body: Static<typeof UpsertWalletBody> }>('/wallets', { schema: { tags: ['wallets'], body: UpsertWalletBody } }, async (request, reply) => {
    const outcome = await upsertWallet(app, {
      context: contextOf(request),
      input: (({ idempotencyKey: _key, usagePeriod, ...input }) => ({
        ...input,
        ...(usagePeriod === undefined
          ? {}
          : { usagePeriod: usagePeriod && { period: usagePeriod.period, anchor: parseTimestamp(usagePeriod.anchor, 'usagePeriod.anchor') } }),
      }))(request.body),
      present: (wallet) => ({ status: 200, body: walletView(wallet) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Querystring: Static<typeof ListWalletsQuery> }>('/wallets', { schema: { tags: ['wallets'], querystring: ListWalletsQuery } }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listWallets(app, contextOf(request), filters, pageOf(request.query)), walletView);
  });

  server.get<{ Querystring: Static<typeof ListEventsQuery> }>('/events', { schema: { tags: ['events'], querystring: ListEventsQuery } }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listEvents(app, contextOf(request), filters, pageOf(request.query)), eventView);
  });

  server.get('/test-clock', { schema: { tags: ['test clock'] } }, async (request) => {
    const context = contextOf(request);
    assertTestEnvironment(context);
    const environment = context.environment;
    return { object: 'test_clock', frozen: environment.frozenClockAt !== null, now: toTimestamp(currentTime(app, environment)) };
  });

  server.post<{ Body: Static<typeof AdvanceClockBody> }>('/test-clock/advance', { schema: { tags: ['test clock'], body: AdvanceClockBody } }, async (request) => {
    const context = contextOf(request);
    // Before parsing `to`: a live key is refused as such, whatever it sent.
    assertTestEnvironment(context);
    const { environment, complete } = await advanceTestClock(app, context, parseTimestamp(request.body.to, 'to'));
    return { object: 'test_clock', frozen: true, now: toTimestamp(environment.frozenClockAt!), complete };
  });
}

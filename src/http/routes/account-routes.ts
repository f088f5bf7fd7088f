import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createCustomer, createUnit, getCustomer, listCustomers, listUnits, listWallets, upsertWallet } from '../../app/accounts.ts';
import { currentTime } from '../../app/dependencies.ts';
import { advanceTestClock, assertTestEnvironment } from '../../app/time-events.ts';
import { customerView, eventView, listView, unitView, walletView } from '../presenters.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { contextOf } from '../../edge/request-context.ts';
import { idempotencyOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { AdvancedTestClockView, CustomerView, EventView, listOf, TestClockView, UnitView, WalletView } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { ListCustomersQuery, ListEventsQuery } from '../read-schemas.ts';
import { AdvanceClockBody, CreateCustomerBody, CreateUnitBody, IdParams, ListWalletsQuery, UpsertWalletBody } from '../schemas.ts';
import { parseTimestamp, toTimestamp } from '../../edge/time.ts';
import { listEvents } from '../../app/events.ts';

/** Customers, units, wallets, events and the test clock. */
export function registerAccountRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateCustomerBody> }>('/customers', { schema: routeSchema({ operationId: 'createCustomer', summary: 'Create a customer', tags: ['customers'], body: CreateCustomerBody, success: { 201: CustomerView }, idempotent: true }) }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const outcome = await createCustomer(app, {
      context: contextOf(request),
      input,
      idempotency: idempotencyOf(request, 'customers.create'),
      present: (customer) => ({ status: 201, body: customerView(customer) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: Static<typeof IdParams> }>('/customers/:id', { schema: routeSchema({ operationId: 'getCustomer', summary: 'Get a customer', tags: ['customers'], params: IdParams, success: { 200: CustomerView } }) }, async (request) =>
    customerView(await getCustomer(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListCustomersQuery> }>('/customers', {
    schema: routeSchema({
      operationId: 'listCustomers',
      summary: 'List customers, newest first, optionally matching a search',
      tags: ['customers'],
      querystring: ListCustomersQuery,
      success: { 200: listOf(CustomerView, 'A page of customers.') },
    }),
  }, async (request) =>
    listView(await listCustomers(app, contextOf(request), pageOf(request.query), request.query.search), customerView),
  );

  server.post<{ Body: Static<typeof CreateUnitBody> }>('/units', {
    schema: routeSchema({
      operationId: 'createUnit',
      summary: 'Create a unit (200 with the existing one when it exists with the same scale)',
      tags: ['units'],
      body: CreateUnitBody,
      success: { 201: UnitView, 200: UnitView },
      errors: [409],
    }),
  }, async (request, reply) => {
    const { idempotencyKey: _key, ...input } = request.body;
    const { unit, created } = await createUnit(app, contextOf(request), input);
    return reply.code(created ? 201 : 200).send(unitView(unit));
  });

  server.get('/units', { schema: routeSchema({ operationId: 'listUnits', summary: 'List units', tags: ['units'], success: { 200: listOf(UnitView, 'Every unit.') } }) }, async (request) => {
    const units = await listUnits(app, contextOf(request));
    return { object: 'list', data: units.map(unitView), hasMore: false };
  });

  server.post<{ Body: Static<typeof UpsertWalletBody> }>('/wallets', { schema: routeSchema({ operationId: 'upsertWallet', summary: 'Create a wallet or change its settings', tags: ['wallets'], body: UpsertWalletBody, success: { 200: WalletView }, errors: [404] }) }, async (request, reply) => {
    const outcome = await upsertWallet(app, {
      context: contextOf(request),
      input: (({ idempotencyKey: _key, usagePeriod, ...input }) =>
        Object.assign(
          {},
          input,
          usagePeriod === undefined ? {} : { usagePeriod: usagePeriod && { period: usagePeriod.period, anchor: parseTimestamp(usagePeriod.anchor, 'usagePeriod.anchor') } },
        ))(request.body),
      present: (wallet) => ({ status: 200, body: walletView(wallet) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get<{ Querystring: Static<typeof ListWalletsQuery> }>('/wallets', { schema: routeSchema({ operationId: 'listWallets', summary: 'List wallets', tags: ['wallets'], querystring: ListWalletsQuery, success: { 200: listOf(WalletView, 'A page of wallets.') } }) }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listWallets(app, contextOf(request), filters, pageOf(request.query)), walletView);
  });

  server.get<{ Querystring: Static<typeof ListEventsQuery> }>('/events', {
    schema: routeSchema({
      operationId: 'listEvents',
      summary: 'List events, newest first, by type or family and customer',
      tags: ['events'],
      querystring: ListEventsQuery,
      success: { 200: listOf(EventView, 'A page of events.') },
    }),
  }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
    return listView(await listEvents(app, contextOf(request), filters, pageOf(request.query)), eventView);
  });

  server.get('/test-clock', { schema: routeSchema({ operationId: 'getTestClock', summary: "Read the test environment's clock", tags: ['test clock'], success: { 200: TestClockView }, errors: [403] }) }, async (request) => {
    const context = contextOf(request);
    assertTestEnvironment(context);
    const environment = context.environment;
    return { object: 'test_clock', frozen: environment.frozenClockAt !== null, now: toTimestamp(currentTime(app, environment)) };
  });

  server.post<{ Body: Static<typeof AdvanceClockBody> }>('/test-clock/advance', {
    schema: routeSchema({
      operationId: 'advanceTestClock',
      summary: "Move the test environment's clock forward and freeze it there",
      tags: ['test clock'],
      body: AdvanceClockBody,
      success: { 200: AdvancedTestClockView },
      errors: [403],
    }),
  }, async (request) => {
    const context = contextOf(request);
    // Before parsing `to`: a live key is refused as such, whatever it sent.
    assertTestEnvironment(context);
    const { environment, complete } = await advanceTestClock(app, context, parseTimestamp(request.body.to, 'to'));
    return { object: 'test_clock', frozen: true, now: toTimestamp(environment.frozenClockAt!), complete };
  });
}

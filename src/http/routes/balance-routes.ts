import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getBalanceHistory } from '../../app/balance-history.ts';
import { getBalance, steadyBalanceNow } from '../../app/balances.ts';
import { listLedgerEntries } from '../../app/ledger-reads.ts';
import { getRunway } from '../../app/runway.ts';
import { balanceHistoryView, BalanceHistoryResponse, runwayView, RunwayResponse } from '../history-presenters.ts';
import { balanceView, ledgerEntryView, listView } from '../presenters.ts';
import { BalanceHistoryQuery, ListLedgerQuery, RunwayQuery } from '../read-schemas.ts';
import { contextOf } from '../../edge/request-context.ts';
import { pageOf, type RouteDependencies } from '../route-support.ts';
import { BalanceView, LedgerEntryView, listOf } from '../response-schemas.ts';
import { routeSchema } from '../route-contract.ts';
import { BalanceQuery } from '../schemas.ts';
import { JSON_CONTENT_TYPE, SteadyBodies } from '../steady-bodies.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';

export function registerBalanceRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  const steadyBodies = new SteadyBodies();
  server.get<{ Querystring: Static<typeof BalanceQuery> }>('/balances', {
    schema: routeSchema({
      operationId: 'getBalance',
      summary: "A wallet's balance, now or at any moment (`at`)",
      tags: ['balances'],
      querystring: BalanceQuery,
      success: { 200: BalanceView },
      errors: [404],
    }),
  }, (request, reply) => {
    // Not an async handler: a steady balance is sent in this turn, with no promise (steadyBalanceNow).
    const steady = request.query.at === undefined ? steadyBalanceNow(app, contextOf(request), request.query) : undefined;
    const steadyBody = steady && steadyBodies.bodyAt(steady.steadyKey, steady.balance.at);
    if (steadyBody === undefined) return balanceReply(request, reply);
    reply.type(JSON_CONTENT_TYPE).send(steadyBody);
  });

  const balanceReply = async (request: FastifyRequest<{ Querystring: Static<typeof BalanceQuery> }>, reply: FastifyReply) => {
    const { at, ...reference } = request.query;
    const result = await getBalance(app, contextOf(request), Object.assign({}, reference, { at: parseOptionalTimestamp(at, 'at') ?? undefined }));
    const { steadyKey } = result;
    // A string is sent as it is: neither serialized again nor checked by tests' response check (its text is the serializer's).
    const body = steadyKey && steadyBodies.bodyAt(steadyKey, result.balance.at);
    if (body !== undefined) return reply.type(JSON_CONTENT_TYPE).send(body);
    const view = balanceView(result.wallet, result.balance);
    if (steadyKey) steadyBodies.remember(steadyKey, view, (shown) => String(reply.serialize(shown)));
    return view;
  };

  server.get<{ Querystring: Static<typeof BalanceHistoryQuery> }>(
    '/balances/history',
    {
      schema: routeSchema({
        operationId: 'getBalanceHistory',
        summary: "A wallet's balance over time, in exact buckets",
        tags: ['balances'],
        querystring: BalanceHistoryQuery,
        success: { 200: BalanceHistoryResponse },
        errors: [404],
      }),
    },
    async (request) => {
      const { from, to, interval, ...reference } = request.query;
      const history = await getBalanceHistory(app, contextOf(request), Object.assign({}, reference, {
        from: parseOptionalTimestamp(from, 'from') ?? undefined,
        to: parseOptionalTimestamp(to, 'to') ?? undefined,
        interval: interval ?? 'day',
      }));
      return balanceHistoryView(history);
    },
  );

  server.get<{ Querystring: Static<typeof RunwayQuery> }>(
    '/balances/runway',
    {
      schema: routeSchema({
        operationId: 'getRunway',
        summary: 'When the credits run out at the recent burn rate',
        tags: ['balances'],
        querystring: RunwayQuery,
        success: { 200: RunwayResponse },
        errors: [404],
      }),
    },
    async (request) => {
      const { windowDays, ...reference } = request.query;
      return runwayView(await getRunway(app, contextOf(request), Object.assign({}, reference, { windowDays })));
    },
  );

  server.get<{ Querystring: Static<typeof ListLedgerQuery> }>(
    '/ledger-entries',
    {
      schema: routeSchema({
        operationId: 'listLedgerEntries',
        summary: 'List ledger entries, newest first by when they took effect (by booking order with grantId)',
        tags: ['ledger'],
        querystring: ListLedgerQuery,
        success: { 200: listOf(LedgerEntryView, 'A page of ledger entries.') },
      }),
    },
    async (request) => {
      const { limit: _limit, startingAfter: _cursor, from, to, ...filters } = request.query;
      const effectiveAt = { gte: parseOptionalTimestamp(from, 'from') ?? undefined, lt: parseOptionalTimestamp(to, 'to') ?? undefined };
      return listView(await listLedgerEntries(app, contextOf(request), Object.assign({}, filters, { effectiveAt }), pageOf(request.query)), ledgerEntryView);
    },
  );
}

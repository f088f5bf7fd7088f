import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getBalanceHistory } from '../../app/balance-history.ts';
import { getBalance } from '../../app/balances.ts';
import { listLedgerEntries } from '../../app/ledger-reads.ts';
import { getRunway } from '../../app/runway.ts';
import { balanceHistoryView, BalanceHistoryResponse, runwayView, RunwayResponse } from '../history-presenters.ts';
import { balanceView, ledgerEntryView, listView } from '../presenters.ts';
import { BalanceHistoryQuery, ListLedgerQuery, RunwayQuery } from '../read-schemas.ts';
import { contextOf } from '../../edge/request-context.ts';
import { pageOf, type RouteDependencies } from '../route-support.ts';
import { BalanceQuery } from '../schemas.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';

export function registerBalanceRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.get<{ Querystring: Static<typeof BalanceQuery> }>('/balances', { schema: { tags: ['balances'], querystring: BalanceQuery } }, async (request) => {
    const { at, ...reference } = request.query;
    const result = await getBalance(app, contextOf(request), { ...reference, at: parseOptionalTimestamp(at, 'at') ?? undefined });
    return balanceView(result.wallet, result.balance);
  });

  server.get<{ Querystring: Static<typeof BalanceHistoryQuery> }>(
    '/balances/history',
    { schema: { tags: ['balances'], operationId: 'getBalanceHistory', querystring: BalanceHistoryQuery, response: { 200: BalanceHistoryResponse } } },
    async (request) => {
      const { from, to, interval, ...reference } = request.query;
      const history = await getBalanceHistory(app, contextOf(request), {
        ...reference,
        from: parseOptionalTimestamp(from, 'from') ?? undefined,
        to: parseOptionalTimestamp(to, 'to') ?? undefined,
        interval: interval ?? 'day',
      });
      return balanceHistoryView(history);
    },
  );

  server.get<{ Querystring: Static<typeof RunwayQuery> }>(
    '/balances/runway',
    { schema: { tags: ['balances'], operationId: 'getRunway', querystring: RunwayQuery, response: { 200: RunwayResponse } } },
    async (request) => {
      const { windowDays, ...reference } = request.query;
      return runwayView(await getRunway(app, contextOf(request), { ...reference, windowDays: windowDays === undefined ? undefined : Number(windowDays) }));
    },
  );

  server.get<{ Querystring: Static<typeof ListLedgerQuery> }>(
    '/ledger-entries',
    { schema: { tags: ['ledger'], querystring: ListLedgerQuery } },
    async (request) => {
      const { limit: _limit, startingAfter: _cursor, from, to, ...filters } = request.query;
      const effectiveAt = { gte: parseOptionalTimestamp(from, 'from') ?? undefined, lt: parseOptionalTimestamp(to, 'to') ?? undefined };
      return listView(await listLedgerEntries(app, contextOf(request), { ...filters, effectiveAt }, pageOf(request.query)), ledgerEntryView);
    },
  );
}

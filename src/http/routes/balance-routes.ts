import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getBalance } from '../../app/balances.ts';
import { listLedgerEntries } from '../../app/ledger-reads.ts';
import { balanceView, ledgerEntryView, listView } from '../presenters.ts';
import { contextOf, pageOf, type RouteDependencies } from '../route-support.ts';
import { BalanceQuery, ListLedgerQuery } from '../schemas.ts';
import { parseOptionalTimestamp } from '../time.ts';

export function registerBalanceRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.get<{ Querystring: Static<typeof BalanceQuery> }>('/balances', { schema: { tags: ['balances'], querystring: BalanceQuery } }, async (request) => {
    const { at, ...reference } = request.query;
    const result = await getBalance(app, contextOf(request), { ...reference, at: parseOptionalTimestamp(at, 'at') ?? undefined });
    return balanceView(result.wallet, result.balance);
  });

  server.get<{ Querystring: Static<typeof ListLedgerQuery> }>(
    '/ledger-entries',
    { schema: { tags: ['ledger'], querystring: ListLedgerQuery } },
    async (request) => {
      const { limit: _limit, startingAfter: _cursor, ...filters } = request.query;
      return listView(await listLedgerEntries(app, contextOf(request), filters, pageOf(request.query)), ledgerEntryView);
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { getBalance } from '../../app/balances.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { contextOf } from '../../edge/request-context.ts';
import { decodeOffset, encodeOffset, OffsetSkip } from './chargebee-cursor.ts';
import { ChargebeeListQuery } from './chargebee-list-query.ts';
import { ledgerAccountBalanceView } from './chargebee-presenters.ts';
import { listBody } from './chargebee-route-support.ts';
import { findSubscriptionCustomer, subscriptionWallets } from './subscription-accounts.ts';

/**
 * `GET /ledger_account_balances`: one balance per credit unit the subscription
 * has a wallet in, as of now (expiries due but not yet booked already count).
 * A subscription has a wallet per unit it ever had credit or usage in.
 */
export function registerBalanceRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.get('/api/v2/ledger_account_balances', async (request) => {
    const context = contextOf(request);
    const query = new ChargebeeListQuery(request.query, { filters: { subscription_id: ['is'], unit_id: ['is'] }, sortable: [] });
    const subscriptionId = query.is('subscription_id', { required: true });
    const unit = query.is('unit_id');
    const limit = query.limit();
    const listName = `ledger_account_balances:${subscriptionId}:${unit ?? ''}`;
    const offset = query.offset();
    const skip = offset === undefined ? 0 : decodeOffset(offset, listName, OffsetSkip).skip;
    const customerId = await findSubscriptionCustomer(app, context, subscriptionId);
    if (customerId === undefined) return listBody([], undefined);
    const wallets = await subscriptionWallets(app, context, subscriptionId, unit);
    const page = wallets.slice(skip, skip + limit);
    const items = [];
    for (const wallet of page) {
      const { balance } = await getBalance(app, context, { customerId: wallet.customerId, unit: wallet.unit, walletKey: wallet.walletKey });
      items.push({ ledger_account_balance: ledgerAccountBalanceView(wallet, balance) });
    }
    return listBody(items, skip + limit < wallets.length ? encodeOffset(listName, { skip: skip + limit }) : undefined);
  });
}

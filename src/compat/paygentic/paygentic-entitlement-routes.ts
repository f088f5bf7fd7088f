import type { FastifyInstance } from 'fastify';
import { getBalance } from '../../app/balances.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { contextOf } from '../../edge/request-context.ts';
import { findEntitlement, usageSinceStart } from './paygentic-entitlements.ts';
import { EntitlementParams, NoQuery } from './paygentic-schemas.ts';
import { checkRequest } from '../check-request.ts';
import { entitlementView } from './paygentic-views.ts';

/** The metered entitlement detail: its wallet's balance now, what was used, and any overage. */
export function registerPaygenticEntitlementRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.get('/v1/entitlements/:entitlementId', async (request) => {
    const { entitlementId } = checkRequest(EntitlementParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    const { balance } = await getBalance(app, context, { customerId: wallet.customerId, unit: wallet.unit, walletKey: wallet.walletKey });
    const usageWithoutPeriod = balance.period ? balance.period.usage : await usageSinceStart(app, { wallet, overdraft: balance.overdraft });
    return entitlementView({ wallet, balance, usageWithoutPeriod });
  });
}

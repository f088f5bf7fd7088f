import type { FastifyInstance } from 'fastify';
import { createUnit, findUnitByCode, UNIT_CODE_PATTERN } from '../../app/accounts.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { CreditbookError, validationError } from '../../domain/errors.ts';
import { contextOf } from '../../edge/request-context.ts';
import { AutoRechargeQuery, CustomCurrencyBody, NoQuery } from './stigg-schemas.ts';
import { checkRequest } from '../check-request.ts';
import { stiggAutoRechargeView, stiggCurrencyView } from './stigg-views.ts';
import { findCurrency, requireCustomer } from './stigg-wallets.ts';

/**
 * Stigg currencies carry no precision, so a unit created through this dialect
 * takes the most Creditbook allows (10 decimal places): any amount a Stigg
 * client can send exactly is accepted. A unit that exists already, whatever its
 * scale, is that currency.
 */
export const STIGG_CURRENCY_SCALE = 10;

export function registerStiggCurrencyRoutes(server: FastifyInstance, app: AppDependencies): void {
  /**
   * A custom currency is a unit: `id` is its code and `displayName` its name;
   * description, symbol, units and metadata are kept on the unit (migration 11).
   * Creating a currency that exists returns it as it is (200), so a retried
   * create is safe; it changes nothing (Stigg's update is not served).
   */
  server.post('/api/v1/credits/custom-currencies', async (request, reply) => {
    checkRequest(NoQuery, request.query, 'query');
    const body = checkRequest(CustomCurrencyBody, request.body ?? {}, 'body');
    if (!UNIT_CODE_PATTERN.test(body.id)) {
      throw validationError('id', `Currency IDs follow Stigg's pattern and are at most 64 characters here; '${body.id}' is longer.`);
    }
    const context = contextOf(request);
    const existing = await findUnitByCode(app, context, body.id);
    if (existing) return reply.code(200).send(stiggCurrencyView(existing));
    try {
      const { unit, created } = await createUnit(app, context, {
        code: body.id,
        scale: STIGG_CURRENCY_SCALE,
        name: body.displayName,
        description: body.description ?? null,
        symbol: body.symbol ?? null,
        unitNames: body.units ?? null,
        metadata: body.metadata ?? {},
      });
      return reply.code(created ? 201 : 200).send(stiggCurrencyView(unit));
    } catch (error) {
      // Created meanwhile (with another scale, through the native API): it is the currency.
      const raced = error instanceof CreditbookError && error.code === 'state_conflict' ? await findUnitByCode(app, context, body.id) : undefined;
      if (!raced) throw error;
      return reply.code(200).send(stiggCurrencyView(raced));
    }
  });

  /** Creditbook has no automatic recharge: Stigg's default configuration, disabled, for a customer and currency that exist. */
  server.get('/api/v1/credits/auto-recharge', async (request) => {
    const query = checkRequest(AutoRechargeQuery, request.query, 'query');
    const context = contextOf(request);
    await requireCustomer(app, context, query.customerId);
    await findCurrency(app, context, query.currencyId);
    return stiggAutoRechargeView(query);
  });
}

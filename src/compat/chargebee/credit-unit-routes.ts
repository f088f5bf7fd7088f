import type { FastifyInstance } from 'fastify';
import { createUnit, listUnits } from '../../app/accounts.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { contextOf } from '../../edge/request-context.ts';
import { decodeOffset, encodeOffset, OffsetAfter } from './chargebee-cursor.ts';
import { inChargebeeTerms, parameterError } from './chargebee-errors.ts';
import { ChargebeeListQuery } from './chargebee-list-query.ts';
import { ChargebeeBody, MAX_ID_LENGTH } from './chargebee-params.ts';
import { creditUnitView } from './chargebee-presenters.ts';
import { listBody } from './chargebee-route-support.ts';

/** Chargebee amounts have up to 10 decimal places, so a credit unit made here has scale 10. */
export const CREDIT_UNIT_SCALE = 10;

/**
 * Credit units are Creditbook units (`id` is the unit code). Creating one that
 * exists with the same scale returns it, so a retry is safe; a native unit of
 * another scale is listed and usable, but its amounts keep that scale.
 *
 * Creditbook keeps overdraft limits per wallet, not per unit, and has no
 * unlimited overdraft: a non-zero `overdraft_amount` or `is_unlimited=true` is
 * refused, pointing to the subscription wallet's overdraftLimit instead.
 */
export function registerCreditUnitRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/api/v2/credit_units', async (request) => {
    const context = contextOf(request);
    const body = new ChargebeeBody(request.body, ['id', 'name', 'is_unlimited', 'overdraft_amount', 'external_name']);
    const id = body.string('id', { required: true, maxLength: MAX_ID_LENGTH });
    const name = body.string('name', { required: true, maxLength: MAX_ID_LENGTH });
    body.string('external_name', { maxLength: MAX_ID_LENGTH });
    if (body.boolean('is_unlimited', { required: true })) {
      throw new CreditbookError('not_supported', 'Unlimited overdraft is not supported: set an overdraft limit on the subscription\'s wallet (POST /v1/wallets with overdraftLimit).', {
        param: 'is_unlimited',
      });
    }
    const overdraft = body.string('overdraft_amount', { maxLength: MAX_ID_LENGTH });
    if (overdraft !== undefined && !/^0+(\.0+)?$/.test(overdraft)) {
      if (!/^\d+(\.\d+)?$/.test(overdraft)) throw parameterError('overdraft_amount', "'overdraft_amount' must be a decimal string such as \"100\".");
      throw new CreditbookError('not_supported', 'Overdraft limits are kept per subscription wallet, not per credit unit: set overdraftLimit with POST /v1/wallets.', {
        param: 'overdraft_amount',
      });
    }
    const { unit } = await inChargebeeTerms(async () => {
      try {
        return await createUnit(app, context, { code: id, scale: CREDIT_UNIT_SCALE, name });
      } catch (error) {
        if (error instanceof CreditbookError && error.code === 'state_conflict') {
          throw new CreditbookError('state_conflict', `A unit '${id}' already exists with another scale; Chargebee credit units have 10 decimal places.`, { param: 'id' });
        }
        throw error;
      }
    });
    return { credit_unit: creditUnitView(unit) };
  });

  server.get('/api/v2/credit_units', async (request) => {
    const context = contextOf(request);
    const query = new ChargebeeListQuery(request.query, { filters: { id: ['is', 'in'], status: ['is', 'in'] }, sortable: [] });
    const ids = query.oneOf('id');
    const statuses = query.oneOf('status', ['active', 'archived']);
    const limit = query.limit();
    const offset = query.offset();
    const after = offset === undefined ? undefined : decodeOffset(offset, 'credit_units', OffsetAfter).after;
    const units = (await listUnits(app, context))
      .filter((unit) => (ids === undefined || ids.has(unit.code)) && (statuses === undefined || statuses.has('active')))
      .sort((left, right) => (left.code < right.code ? -1 : left.code > right.code ? 1 : 0))
      .filter((unit) => after === undefined || unit.code > after);
    const page = units.slice(0, limit);
    const more = units.length > limit;
    return listBody(
      page.map((unit) => ({ credit_unit: creditUnitView(unit) })),
      more ? encodeOffset('credit_units', { after: page[page.length - 1]!.code }) : undefined,
    );
  });
}

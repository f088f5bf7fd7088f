import { grantStatus } from '../domain/grant-status.ts';
import type { GrantRecord } from '../store/records.ts';
import { column, defineExport, LARGE_ROW_PAGE_SIZE } from './export-source.ts';
import { grantsAsOf } from './grants.ts';
import { walkPages } from './keyset-walk.ts';

/** A grant as of the export's `now`, the moment its status is read at. */
interface GrantRow {
  grant: GrantRecord;
  now: number;
}

/**
 * Grants made in [from, to), by createdAt then id, each with its state now (as
 * GET /v1/grants shows it: what is due but not yet booked by the sweep is applied).
 */
export const grantsExport = defineExport<GrantRow>({
  description:
    'Grants made (createdAt) in [from, to), ordered by createdAt, then id, each with its current state: amount = available + held + consumed + expired + voided (available reads 0 while payment is pending, as GET /v1/grants shows it).',
  filters: ['customerId', 'unit'],
  rowsPerPage: LARGE_ROW_PAGE_SIZE,
  columns: [
    column('id', 'text', ({ grant }) => grant.id),
    column('createdAt', 'time', ({ grant }) => grant.createdAt),
    column('customerId', 'text', ({ grant }) => grant.customerId),
    column('unit', 'text', ({ grant }) => grant.unit),
    column('walletKey', 'text', ({ grant }) => grant.walletKey || null),
    column('walletId', 'text', ({ grant }) => grant.walletId),
    column('status', 'text', ({ grant, now }) => grantStatus(grant, now)),
    column('category', 'text', ({ grant }) => grant.category),
    column('source', 'text', ({ grant }) => grant.source),
    column('amount', 'amount', ({ grant }) => grant.amount),
    // Awaiting payment, nothing of it can be spent yet (GET /v1/grants and the balance say the same).
    column('available', 'amount', ({ grant, now }) => (grantStatus(grant, now) === 'payment_pending' ? 0n : grant.available)),
    column('held', 'amount', ({ grant }) => grant.held),
    column('consumed', 'amount', ({ grant }) => grant.consumed),
    column('expired', 'amount', ({ grant }) => grant.expired),
    column('voided', 'amount', ({ grant }) => grant.voided),
    column('rolledOver', 'amount', ({ grant }) => grant.rolledOver),
    column('priority', 'integer', ({ grant }) => grant.priority),
    column('effectiveAt', 'time', ({ grant }) => grant.effectiveAt),
    column('expiresAt', 'time', ({ grant }) => grant.expiresAt),
    column('voidedAt', 'time', ({ grant }) => grant.voidedAt),
    column('costAmount', 'amount', ({ grant }) => grant.costAmount),
    column('costCurrency', 'text', ({ grant }) => grant.costCurrency),
    column('scheduleId', 'text', ({ grant }) => grant.scheduleId),
    column('recurrencePeriod', 'text', ({ grant }) => grant.recurrencePeriod),
    column('appliesTo', 'json', ({ grant }) => [...grant.appliesTo]),
    column('name', 'text', ({ grant }) => grant.name),
    column('metadata', 'json', ({ grant }) => grant.metadata),
  ],
  pages: (dependencies, context, { request, now, pageSize }) =>
    walkPages(
      (after, limit) =>
        dependencies.store.read(async (repository) => {
          const page = { environmentId: context.environment.id, customerId: request.customerId, unit: request.unit, from: request.from, to: request.to, after, limit };
          return (await grantsAsOf(repository, await repository.grants.pageByCreation(page), now)).map((grant) => ({ grant, now }));
        }),
      ({ grant }) => ({ at: grant.createdAt, id: grant.id }),
      pageSize,
    ),
});

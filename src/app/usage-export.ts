import { formatAmount } from '../domain/amount.ts';
import type { UsageEventRecord } from '../store/records.ts';
import { column, defineExport, LARGE_ROW_PAGE_SIZE } from './export-source.ts';
import { walkPages } from './keyset-walk.ts';

/** Rated usage events whose usage happened in [from, to), by timestamp (occurredAt) then id. */
export const usageExport = defineExport<UsageEventRecord>({
  description:
    'Rated usage events whose usage happened (timestamp) in [from, to), ordered by timestamp, then id, as booked: cost = consumed + overdrawn + shortfall, allocations per grant.',
  filters: ['customerId', 'unit'],
  rowsPerPage: LARGE_ROW_PAGE_SIZE,
  columns: [
    column('id', 'text', (event) => event.id),
    column('timestamp', 'time', (event) => event.occurredAt),
    column('createdAt', 'time', (event) => event.createdAt),
    column('customerId', 'text', (event) => event.customerId),
    column('unit', 'text', (event) => event.unit),
    column('walletKey', 'text', (event) => event.walletKey || null),
    column('feature', 'text', (event) => event.feature),
    column('quantity', 'amount', (event) => event.quantity),
    column('dimensions', 'json', (event) => event.dimensions),
    column('priceId', 'text', (event) => event.priceId),
    column('cost', 'amount', (event) => event.cost),
    column('consumed', 'amount', (event) => event.consumed),
    column('overdrawn', 'amount', (event) => event.overdrawn),
    column('shortfall', 'amount', (event) => event.shortfall),
    column('allocations', 'json', (event) => event.allocations.map((allocation) => ({ grantId: allocation.grantId, amount: formatAmount(allocation.amount) }))),
    column('debitId', 'text', (event) => event.debitId),
    column('reservationId', 'text', (event) => event.reservationId),
    column('metadata', 'json', (event) => event.metadata),
  ],
  pages: (dependencies, context, { request, pageSize }) =>
    walkPages(
      (after, limit) =>
        dependencies.store.read((repository) =>
          repository.usageEvents.pageByOccurrence({ environmentId: context.environment.id, customerId: request.customerId, unit: request.unit, from: request.from, to: request.to, after, limit }),
        ),
      (event) => ({ at: event.occurredAt, id: event.id }),
      pageSize,
    ),
});

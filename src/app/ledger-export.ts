import type { LedgerEntryRecord } from '../store/records.ts';
import { pageCustomerEntriesByEffectiveTime } from './customer-entries.ts';
import { column, defineExport } from './export-source.ts';
import { walkPages } from './keyset-walk.ts';

/** Every ledger entry (all types) that took effect in [from, to), by effectiveAt then id (a customer's: then wallet and sequence, customer-entries.ts). Expiries are booked after they fall due, with a past effectiveAt, so an ended window can still gain rows (docs/exports.md "Snapshots"). */
export const ledgerExport = defineExport<LedgerEntryRecord>({
  description:
    "Ledger entries of every type that took effect in [from, to), ordered by effectiveAt, then id (one customer's: then wallet ID and sequence). Per wallet, amount sums to the balance.",
  filters: ['customerId', 'unit'],
  columns: [
    column('id', 'text', (entry) => entry.id),
    column('effectiveAt', 'time', (entry) => entry.effectiveAt),
    column('createdAt', 'time', (entry) => entry.createdAt),
    column('customerId', 'text', (entry) => entry.customerId),
    column('unit', 'text', (entry) => entry.unit),
    column('walletKey', 'text', (entry) => entry.walletKey || null),
    column('walletId', 'text', (entry) => entry.walletId),
    column('sequence', 'integer', (entry) => entry.sequence),
    column('type', 'text', (entry) => entry.type),
    column('amount', 'amount', (entry) => entry.amount),
    column('heldAmount', 'amount', (entry) => entry.heldAmount),
    column('balanceAfter', 'amount', (entry) => entry.balanceAfter),
    column('heldAfter', 'amount', (entry) => entry.heldAfter),
    column('grantId', 'text', (entry) => entry.grantId),
    column('debitId', 'text', (entry) => entry.debitId),
    column('holdId', 'text', (entry) => entry.holdId),
  ],
  pages: (dependencies, context, { request, pageSize }) =>
    walkPages(
      (after, limit) => {
        const { customerId } = request;
        const page = { environmentId: context.environment.id, unit: request.unit, from: request.from, to: request.to, after, limit };
        if (customerId !== undefined) return pageCustomerEntriesByEffectiveTime(dependencies, Object.assign(page, { customerId }));
        return dependencies.store.read((repository) => repository.ledger.pageByEffectiveTime(page));
      },
      (entry) => ({ at: entry.effectiveAt, id: entry.id }),
      pageSize,
    ),
});

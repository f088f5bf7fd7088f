import { notFound } from '../domain/errors.ts';
import type { DebitRecord, Page, PageRequest } from '../store/records.ts';
import type { DebitFilters } from '../store/repository/debit-queries.ts';
import { listCustomerDebits } from './customer-debits.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { pageInIdWindows } from './list-windows.ts';

/** Debits are written once and never change, so reading one needs no projection. */
export async function getDebit(dependencies: AppDependencies, context: RequestContext, debitId: string): Promise<DebitRecord> {
  const debit = await dependencies.store.read((repository) => repository.debits.get(context.environment.id, debitId));
  if (!debit) throw notFound('debit', debitId, 'id');
  return debit;
}

/**
 * The environment's debits, newest first; a customer's are read through its wallets (customer-debits.ts). Any other
 * list, filtered (`unit`, `walletKey`, `feature`, `holdId`) or not, is read in windows of the primary key a turn
 * apart (list-windows.ts): no index serves a filter, and the key is every environment's, so even the whole list of a
 * small environment beside a large one walked the large one's debits (21 ms at 200,000, on SQLite). An index by environment
 * would serve the unfiltered list, but every debit would write it.
 */
export async function listDebits(dependencies: AppDependencies, context: RequestContext, filters: DebitFilters, page: PageRequest, options: { windowRows?: number } = {}): Promise<Page<DebitRecord>> {
  const { customerId, ...rest } = filters;
  const environmentId = context.environment.id;
  if (customerId !== undefined) return listCustomerDebits(dependencies, environmentId, customerId, rest, page);
  return pageInIdWindows(
    dependencies,
    page,
    (repository, id) => repository.debits.get(environmentId, id),
    (repository, input) => repository.debits.listWindow(environmentId, rest, input),
    options,
  );
}

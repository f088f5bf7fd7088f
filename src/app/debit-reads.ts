import { notFound, validationError } from '../domain/errors.ts';
import type { DebitRecord, Page, PageRequest } from '../store/records.ts';
import type { DebitFilters } from '../store/repository/hold-and-debit-queries.ts';
import { listCustomerDebits } from './customer-debits.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { pageInWindows } from './list-windows.ts';

/** Debits are written once and never change, so reading one needs no projection. */
export async function getDebit(dependencies: AppDependencies, context: RequestContext, debitId: string): Promise<DebitRecord> {
  const debit = await dependencies.store.read((repository) => repository.debits.get(context.environment.id, debitId));
  if (!debit) throw notFound('debit', debitId, 'id');
  return debit;
}

/**
 * The environment's debits, newest first; a customer's are read through its wallets (customer-debits.ts). With a
 * filter (`unit`, `walletKey`, `feature`, `holdId`: no index serves one), in windows of the primary key a turn
 * apart (list-windows.ts); without, one read of it.
 */
export async function listDebits(dependencies: AppDependencies, context: RequestContext, filters: DebitFilters, page: PageRequest, options: { windowRows?: number } = {}): Promise<Page<DebitRecord>> {
  const { customerId, ...rest } = filters;
  const environmentId = context.environment.id;
  if (customerId !== undefined) return listCustomerDebits(dependencies, environmentId, customerId, rest, page);
  if (Object.values(rest).every((value) => value === undefined)) return dependencies.store.read((repository) => repository.debits.list(environmentId, rest, page));
  const cursor = page.startingAfter;
  if (cursor !== null && !(await dependencies.store.read((repository) => repository.debits.get(environmentId, cursor)))) {
    throw validationError('startingAfter', `No object with id '${cursor}' to start after.`);
  }
  return pageInWindows(dependencies, cursor, page, (repository, input) => repository.debits.listWindow(environmentId, rest, input), options);
}

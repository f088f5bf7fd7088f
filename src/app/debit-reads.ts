import { notFound } from '../domain/errors.ts';
import type { DebitRecord, Page, PageRequest } from '../store/records.ts';
import type { DebitFilters } from '../store/repository/hold-and-debit-queries.ts';
import { listCustomerDebits } from './customer-debits.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';

/** Debits are written once and never change, so reading one needs no projection. */
export async function getDebit(dependencies: AppDependencies, context: RequestContext, debitId: string): Promise<DebitRecord> {
  const debit = await dependencies.store.read((repository) => repository.debits.get(context.environment.id, debitId));
  if (!debit) throw notFound('debit', debitId, 'id');
  return debit;
}

/** The environment's debits, newest first; a customer's are read through its wallets (customer-debits.ts). */
export function listDebits(dependencies: AppDependencies, context: RequestContext, filters: DebitFilters, page: PageRequest): Promise<Page<DebitRecord>> {
  const { customerId, ...rest } = filters;
  if (customerId !== undefined) return listCustomerDebits(dependencies, context.environment.id, customerId, rest, page);
  return dependencies.store.read((repository) => repository.debits.list(context.environment.id, rest, page));
}

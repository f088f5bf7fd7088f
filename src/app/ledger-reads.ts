import type { DebitRecord, GrantRecord, HoldRecord, LedgerEntryRecord, Page, PageRequest, WalletRecord } from '../store/records.ts';
import type { LedgerFilters } from '../store/repository/ledger-queries.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { listCustomerEntries } from './customer-entries.ts';
import { listGrantEntries } from './grant-entries.ts';
import { pageInWindows } from './list-windows.ts';

/**
 * Reads of the ledger and of what its entries point at, for the edges (the
 * native API and every dialect show the same history through these).
 */
export function listLedgerEntries(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: LedgerFilters,
  page: PageRequest,
  options: { windowRows?: number } = {},
): Promise<Page<LedgerEntryRecord>> {
  return listEntries(dependencies, context.environment.id, filters, page, options);
}

/**
 * A grant's entries and a customer's are read through their wallets (grant-entries.ts, customer-entries.ts). The
 * environment's are a range of `ledger_entries_effective` (environment, effective_at, id): one read when that index
 * gives the page directly (no filter, or only `effectiveAt`); with `unit`, `walletKey` or `type`, which it does not
 * serve, in windows of that index a turn apart (list-windows.ts).
 */
async function listEntries(dependencies: AppDependencies, environmentId: string, filters: LedgerFilters, page: PageRequest, options: { windowRows?: number } = {}): Promise<Page<LedgerEntryRecord>> {
  const { grantId, customerId } = filters;
  if (grantId !== undefined) return listGrantEntries(dependencies, environmentId, grantId, filters, page);
  if (customerId !== undefined) return listCustomerEntries(dependencies, environmentId, customerId, filters, page);
  if (filters.unit === undefined && filters.walletKey === undefined && filters.type === undefined) {
    return dependencies.store.read((repository) => repository.ledger.list(environmentId, filters, page));
  }
  const cursor = page.startingAfter;
  const start = cursor === null ? null : await dependencies.store.read((repository) => repository.ledger.listKeyOf(environmentId, cursor));
  return pageInWindows(dependencies, start, page, (repository, input) => repository.ledger.listWindow(environmentId, filters, input), options);
}

/** A page of ledger entries with the debits they name (where a consumption's feature and metadata live). */
export async function listLedgerEntriesWithDebits(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: LedgerFilters,
  page: PageRequest,
): Promise<{ page: Page<LedgerEntryRecord>; debits: Map<string, DebitRecord> }> {
  const environmentId = context.environment.id;
  // A grant's or a customer's entries may take several reads; the debits they name never change once written.
  const entries = await listEntries(dependencies, environmentId, filters, page);
  return dependencies.store.read(async (repository) => {
    const debits = new Map<string, DebitRecord>();
    for (const debitId of new Set(entries.data.flatMap((entry) => (entry.debitId ? [entry.debitId] : [])))) {
      const debit = await repository.debits.get(environmentId, debitId);
      if (debit) debits.set(debitId, debit);
    }
    return { page: entries, debits };
  });
}

export function findLedgerEntry(dependencies: AppDependencies, context: RequestContext, id: string): Promise<LedgerEntryRecord | undefined> {
  return dependencies.store.read((repository) => repository.ledger.get(context.environment.id, id));
}

/**
 * The wallet an object that books entries belongs to, and when the object was
 * made (no entry of it is older): a hold (`hld_…`), a debit (`dbt_…`), a grant,
 * or, with `orWallet`, the wallet itself.
 */
export function findEntryOwner(
  dependencies: AppDependencies,
  context: RequestContext,
  objectId: string,
  options: { orWallet: boolean },
): Promise<{ wallet: WalletRecord; createdAt: number } | undefined> {
  const environmentId = context.environment.id;
  return dependencies.store.read(async (repository) => {
    const record =
      (objectId.startsWith('hld_') && (await repository.holds.get(environmentId, objectId))) ||
      (objectId.startsWith('dbt_') && (await repository.debits.get(environmentId, objectId))) ||
      (await repository.grants.get(environmentId, objectId)) ||
      (options.orWallet && (await repository.wallets.getById(environmentId, objectId, { lock: false })));
    if (!record) return undefined;
    const walletId = 'walletId' in record ? record.walletId : record.id;
    const wallet = await repository.wallets.getById(environmentId, walletId, { lock: false });
    return wallet && { wallet, createdAt: record.createdAt };
  });
}

export type EntrySource = { kind: 'debit'; debit: DebitRecord } | { kind: 'hold'; hold: HoldRecord } | { kind: 'grant'; grant: GrantRecord };

/** The stored object an entry came from, as stored (a grant without the as-of-now projection `getGrant` applies). */
export function findEntrySource(dependencies: AppDependencies, context: RequestContext, source: { kind: EntrySource['kind']; id: string }): Promise<EntrySource | undefined> {
  const environmentId = context.environment.id;
  return dependencies.store.read(async (repository): Promise<EntrySource | undefined> => {
    if (source.kind === 'debit') {
      const debit = await repository.debits.get(environmentId, source.id);
      return debit && { kind: 'debit', debit };
    }
    if (source.kind === 'hold') {
      const hold = await repository.holds.get(environmentId, source.id);
      return hold && { kind: 'hold', hold };
    }
    const grant = await repository.grants.get(environmentId, source.id);
    return grant && { kind: 'grant', grant };
  });
}

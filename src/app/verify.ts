import { debitsNamedBy, verifyDebitOrder, verifyDebits } from '../domain/verify-debits.ts';
import { verifyWallet } from '../domain/verify-wallet.ts';
import type { DebitRecord, LedgerEntryRecord, WalletRecord } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';

export interface VerifyReport {
  walletsChecked: number;
  problems: string[];
}

/** Debits read per statement. */
const DEBITS_PER_READ = 500;

/**
 * Recomputes every wallet's projections from its ledger, ties each of its debits to the entries that name it (and
 * checks they name them in ID order, which listing a customer's debits relies on), and lists every difference.
 */
export async function verifyAll(dependencies: AppDependencies): Promise<VerifyReport> {
  const wallets = await dependencies.store.read((repository) => repository.wallets.allIds());
  // Counted apart from the entries, so a debit that says it took credit but names no entry is found. Counted first:
  // a server still writing can only add debits, and entries, after the count, so only more counted than named is wrong.
  const bookedCounts = await dependencies.store.read((repository) => repository.debits.countBookedByWallet());
  const problems: string[] = [];
  for (const { id, environmentId } of wallets) {
    const walletProblems = await dependencies.store.read(async (repository) => {
      const wallet = await repository.wallets.getById(environmentId, id, { lock: false });
      if (!wallet) return [`wallet ${id} disappeared during verify`];
      const grants = await repository.grants.loadAll(id);
      const holds = await repository.holds.loadAll(id);
      const schedules = await repository.schedules.loadForWallet(id);
      const entries = await repository.ledger.loadForWallet(id);
      const { debits, booked } = await debitsOfWallet(repository, wallet, entries);
      const counted = bookedCounts.get(id) ?? 0;
      const countProblem = counted > booked ? [`wallet ${id}: ${counted} of its debits took credit or overdrew, its entries name ${booked}`] : [];
      return [...verifyWallet({ wallet, grants, holds, schedules }, entries), ...verifyDebits(id, debits, entries), ...verifyDebitOrder(wallet, entries), ...countProblem];
    });
    problems.push(...walletProblems);
  }
  return { walletsChecked: wallets.length, problems };
}

/** The wallet's debits: those its entries name (`booked` counts those stored in it) and those that book no entry. */
async function debitsOfWallet(repository: Repository, wallet: WalletRecord, entries: readonly LedgerEntryRecord[]): Promise<{ debits: DebitRecord[]; booked: number }> {
  const debits: DebitRecord[] = [];
  const named = debitsNamedBy(entries);
  for (let start = 0; start < named.length; start += DEBITS_PER_READ) {
    const found = await repository.debits.getMany(wallet.environmentId, named.slice(start, start + DEBITS_PER_READ));
    // One stored in another wallet is left out, so verifyDebits reports the entries that name it.
    for (const debit of found.values()) if (debit.walletId === wallet.id) debits.push(debit);
  }
  const booked = debits.length;
  for (let after: string | null = null; ; ) {
    const page = await repository.debits.listUnbookedOfCustomer(wallet.environmentId, wallet.customerId, { walletId: wallet.id }, { after, before: null, descending: false, limit: DEBITS_PER_READ });
    debits.push(...page);
    if (page.length < DEBITS_PER_READ) return { debits, booked };
    after = page.at(-1)!.id;
  }
}

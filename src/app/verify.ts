import { verifyDebits } from '../domain/verify-debits.ts';
import { verifyWallet } from '../domain/verify-wallet.ts';
import type { AppDependencies } from './dependencies.ts';

export interface VerifyReport {
  walletsChecked: number;
  problems: string[];
}

/** Recomputes every wallet's projections from its ledger entries and lists every difference. */
export async function verifyAll(dependencies: AppDependencies): Promise<VerifyReport> {
  const wallets = await dependencies.store.read((repository) => repository.wallets.allIds());
  const problems: string[] = [];
  for (const { id, environmentId } of wallets) {
    const walletProblems = await dependencies.store.read(async (repository) => {
      const wallet = await repository.wallets.getById(environmentId, id, { lock: false });
      if (!wallet) return [`wallet ${id} disappeared during verify`];
      const grants = await repository.grants.loadAll(id);
      const holds = await repository.holds.loadAll(id);
      const schedules = await repository.schedules.loadForWallet(id);
      const entries = await repository.ledger.loadForWallet(id);
      const debits = await repository.debits.loadForWallet(environmentId, wallet.customerId, id);
      return [...verifyWallet({ wallet, grants, holds, schedules }, entries), ...verifyDebits(id, debits, entries)];
    });
    problems.push(...walletProblems);
  }
  return { walletsChecked: wallets.length, problems };
}

import { formatAmount, ZERO, type Amount } from './amount.ts';
import type { Allocation, LedgerEntryDraft } from './types.ts';

/** What a stored debit says it took (a `DebitRecord` is one). */
export interface RecordedDebit {
  id: string;
  amount: Amount;
  consumed: Amount;
  overdrawn: Amount;
  shortfall: Amount;
  allocations: readonly Allocation[];
}

/** What the ledger booked for one debit. */
interface BookedForDebit {
  byGrant: Map<string, Amount>;
  overdrawn: Amount;
}

/**
 * Ties each debit of one wallet to the wallet's ledger entries that name it, to the unit:
 * - what it consumed, grant by grant as its allocations say, is what its `debit` entries took
 *   from available credit plus what its `capture` entries took from held credit;
 * - what it overdrew is what its `overdraft` entries took;
 * - amount = consumed + overdrawn + shortfall, and consumed is the sum of its allocations.
 * So a debit that consumed and overdrew nothing names no entry, every other one names at least
 * one in its own wallet, and every entry that names a debit names one of this wallet's.
 * An empty list means they agree.
 */
export function verifyDebits(walletId: string, debits: readonly RecordedDebit[], entries: readonly LedgerEntryDraft[]): string[] {
  const problems: string[] = [];
  const booked = new Map<string, BookedForDebit>();
  for (const entry of entries) {
    if (entry.debitId === null) continue;
    let forDebit = booked.get(entry.debitId);
    if (!forDebit) booked.set(entry.debitId, (forDebit = { byGrant: new Map(), overdrawn: ZERO }));
    if (entry.type === 'overdraft') forDebit.overdrawn -= entry.amount;
    else if (entry.grantId !== null && (entry.type === 'debit' || entry.type === 'capture')) {
      forDebit.byGrant.set(entry.grantId, (forDebit.byGrant.get(entry.grantId) ?? ZERO) - entry.amount - entry.heldAmount);
    } else problems.push(`wallet ${walletId} entry #${entry.sequence}: a ${entry.type} entry names debit ${entry.debitId}`);
  }
  for (const debit of debits) {
    const label = `debit ${debit.id}`;
    const forDebit = booked.get(debit.id) ?? { byGrant: new Map<string, Amount>(), overdrawn: ZERO };
    booked.delete(debit.id);
    const allocated = debit.allocations.reduce((total, allocation) => total + allocation.amount, ZERO);
    if (allocated !== debit.consumed) problems.push(`${label}: allocations sum to ${formatAmount(allocated)}, consumed is ${formatAmount(debit.consumed)}`);
    const parts = debit.consumed + debit.overdrawn + debit.shortfall;
    if (parts !== debit.amount) problems.push(`${label}: consumed + overdrawn + shortfall is ${formatAmount(parts)}, amount is ${formatAmount(debit.amount)}`);
    if (forDebit.overdrawn !== debit.overdrawn) {
      problems.push(`${label}: overdrawn ${formatAmount(debit.overdrawn)} != ${formatAmount(forDebit.overdrawn)} in its overdraft entries`);
    }
    const unallocated = new Map(forDebit.byGrant);
    for (const allocation of debit.allocations) {
      const inEntries = unallocated.get(allocation.grantId) ?? ZERO;
      unallocated.delete(allocation.grantId);
      if (inEntries !== allocation.amount) {
        problems.push(`${label}: allocation on ${allocation.grantId} ${formatAmount(allocation.amount)} != ${formatAmount(inEntries)} in its entries`);
      }
    }
    for (const [grantId, amount] of unallocated) {
      if (amount !== ZERO) problems.push(`${label}: its entries take ${formatAmount(amount)} from ${grantId}, which it has no allocation on`);
    }
  }
  for (const debitId of booked.keys()) problems.push(`wallet ${walletId}: entries name debit ${debitId}, which is not one of the wallet's debits`);
  return problems;
}

/**
 * The order a wallet's entries name its debits in: each debit's entries together, and the debits in ID order
 * (a customer's debits are listed through its wallets on that promise: app/customer-debits.ts); and the wallet's
 * `lastDebitId`, where set, is at or above the last debit named (a later debit may have taken nothing). Debits
 * booked before migration 20 by several nodes at once may break the order; a single node never does.
 */
export function verifyDebitOrder(wallet: { id: string; lastDebitId: string | null }, entries: readonly LedgerEntryDraft[]): string[] {
  const problems: string[] = [];
  let last: string | null = null;
  for (const entry of entries) {
    if (entry.debitId === null || entry.debitId === last) continue;
    if (last !== null && entry.debitId < last) problems.push(`wallet ${wallet.id} entry #${entry.sequence}: debit ${entry.debitId} booked after ${last}, whose ID is higher`);
    last = entry.debitId;
  }
  if (wallet.lastDebitId !== null && last !== null && wallet.lastDebitId < last) problems.push(`wallet ${wallet.id} last debit ${wallet.lastDebitId} is below ${last}, which its entries name`);
  return problems;
}

/** The debits a wallet's entries name, each once, in the order they are named. */
export function debitsNamedBy(entries: readonly LedgerEntryDraft[]): string[] {
  const named: string[] = [];
  for (const entry of entries) if (entry.debitId !== null && entry.debitId !== named.at(-1)) named.push(entry.debitId);
  return named;
}

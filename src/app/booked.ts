import type { LedgerEntryDraft, WalletSnapshot } from '../domain/types.ts';
import type { WalletTransactionResult } from '../domain/wallet-transaction.ts';
import type { WalletRecord } from '../store/records.ts';
import type { LoadedWallet } from './wallet-operation.ts';

/**
 * What one wallet operation booked, for edges that report its ledger effects
 * (a vendor's "ledger operation" with start and end balances): every entry of
 * the transaction in sequence order (time events due before the operation come
 * first, at their own instants) and the wallet after them. Given to `present`,
 * inside the transaction, so an idempotent replay returns the same report.
 */
export interface Booked {
  wallet: WalletRecord;
  snapshot: WalletSnapshot;
  entries: readonly LedgerEntryDraft[];
}

export function bookedOf(engine: WalletTransactionResult, loaded: LoadedWallet): Booked {
  let wallet: WalletRecord | undefined;
  return {
    // Made when an edge first reads it: most presenters never do, and the two spreads cost every debit about a microsecond.
    get wallet() {
      return (wallet ??= { ...loaded.wallet, ...engine.snapshot.wallet });
    },
    snapshot: engine.snapshot,
    entries: engine.entries,
  };
}

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
  return new BookedEffects(engine, loaded);
}

/** Its wallet record is made when an edge first reads it: most presenters never do, and its two spreads cost every debit about a microsecond. */
class BookedEffects implements Booked {
  readonly snapshot: WalletSnapshot;
  readonly entries: readonly LedgerEntryDraft[];
  private walletAfter: WalletRecord | undefined;

  constructor(
    engine: WalletTransactionResult,
    private readonly loaded: LoadedWallet,
  ) {
    this.snapshot = engine.snapshot;
    this.entries = engine.entries;
  }

  get wallet(): WalletRecord {
    this.walletAfter ??= { ...this.loaded.wallet, ...this.snapshot.wallet };
    return this.walletAfter;
  }
}

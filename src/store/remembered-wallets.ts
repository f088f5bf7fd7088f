import type { CachedWalletState } from './port.ts';

/** Wallets whose state one process remembers by default (cachedWalletTransaction); the least recently used is forgotten first. */
export const DEFAULT_REMEMBERED_WALLETS = 10_000;

/** What a process remembers of one wallet: the state its last operation left, and the version the store checks it by. */
export interface RememberedWallet {
  state: CachedWalletState;
  version: string;
}

/** Remembered wallets by coalesce key, at most `capacity` (0: none); the least recently used is forgotten first. */
export class RememberedWallets {
  private readonly wallets = new Map<string, RememberedWallet>();

  constructor(readonly capacity: number) {}

  /** Removes and returns what is remembered under `key`: the operation that takes it leaves a new state, or none. */
  take(key: string): RememberedWallet | undefined {
    const remembered = this.wallets.get(key);
    this.wallets.delete(key);
    return remembered;
  }

  /** What is remembered under `key`, left remembered (and now the most recently used). */
  get(key: string): RememberedWallet | undefined {
    const remembered = this.wallets.get(key);
    if (remembered) {
      this.wallets.delete(key);
      this.wallets.set(key, remembered);
    }
    return remembered;
  }

  remember(key: string, state: CachedWalletState | undefined, version: string | undefined): void {
    if (!state || version === undefined || this.capacity === 0) return;
    this.wallets.delete(key);
    this.wallets.set(key, { state, version });
    if (this.wallets.size > this.capacity) this.wallets.delete(this.wallets.keys().next().value!);
  }

  forget(key: string): void {
    this.wallets.delete(key);
  }

  clear(): void {
    this.wallets.clear();
  }

}

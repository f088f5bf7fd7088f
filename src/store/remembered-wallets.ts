import type { CachedWalletState } from './port.ts';

/** Wallets whose state one process remembers by default (cachedWalletTransaction); the least recently used is forgotten first. */
export const DEFAULT_REMEMBERED_WALLETS = 10_000;

/** What a process remembers of one wallet: the state its last operation left, and the version the store checks it by. */
export interface RememberedWallet {
  state: CachedWalletState;
  version: string;
}

/** A wallet's place: what is remembered of it (nothing once taken), and when it was last put at the end of the order. */
interface Slot {
  remembered: RememberedWallet | undefined;
  insertedAt: number;
}

/**
 * Remembered wallets by coalesce key, at most `capacity` (0: none); the least recently used is forgotten first.
 *
 * A wallet's slot stays in the map while its states come and go: the slot's value is replaced, the key is not
 * deleted and set again. A `Map` that deletes and sets a key on every operation kept each replaced state alive long
 * enough for a scavenge to promote it (a model of 200 keys each replaced every 100 ms: 65% of what survived a
 * scavenge was promoted, against 9% replacing values in place), and the old generation then filled with states that
 * only a full collection frees. So the order is refreshed only for a slot that fell more than half the capacity
 * behind (`touch`): a wallet used since the last `capacity / 2` insertions is never the first forgotten.
 */
export class RememberedWallets {
  private readonly slots = new Map<string, Slot>();
  /** Slots put at the end of the order so far. */
  private insertions = 0;

  constructor(readonly capacity: number) {}

  /** Empties `key`'s slot and returns what it held: the operation that takes it leaves a new state, or none. */
  take(key: string): RememberedWallet | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    const remembered = slot.remembered;
    slot.remembered = undefined;
    return remembered;
  }

  /** What is remembered under `key`, left remembered (and now recently used). */
  get(key: string): RememberedWallet | undefined {
    const slot = this.slots.get(key);
    if (!slot?.remembered) return undefined;
    this.touch(key, slot);
    return slot.remembered;
  }

  /** Remembers `state` under `key`; without one, a slot its operation emptied (`take`) goes, so it holds no place. */
  remember(key: string, state: CachedWalletState | undefined, version: string | undefined): void {
    const slot = this.slots.get(key);
    if (!state || version === undefined || this.capacity === 0) {
      if (slot && !slot.remembered) this.slots.delete(key);
      return;
    }
    if (slot) {
      slot.remembered = { state, version };
      this.touch(key, slot);
      return;
    }
    this.slots.set(key, { remembered: { state, version }, insertedAt: this.insertions++ });
    if (this.slots.size > this.capacity) this.slots.delete(this.slots.keys().next().value!);
  }

  forget(key: string): void {
    this.slots.delete(key);
  }

  clear(): void {
    this.slots.clear();
  }

  /** Moves a slot to the end of the order once more than half the capacity was inserted after it. */
  private touch(key: string, slot: Slot): void {
    if (this.insertions - slot.insertedAt <= this.capacity / 2) return;
    this.slots.delete(key);
    slot.insertedAt = this.insertions++;
    this.slots.set(key, slot);
  }
}

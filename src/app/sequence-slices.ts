/** How much of a wallet's sequence one read of a walk through it covers, unless the caller says otherwise. */
export const SLICE_SEQUENCES = 2048;

/**
 * The next slice of a wallet's sequences [low, high] to read, at most `size` long:
 * from the low end walking up, from the high end walking down. The walks through
 * wallets (grant-entries.ts, customer-entries.ts) read one slice per read.
 */
export function nextSlice(low: number, high: number, size: number, descending: boolean): { from: number; to: number } {
  return descending ? { from: Math.max(low, high - size + 1), to: high } : { from: low, to: Math.min(high, low + size - 1) };
}

import { nextDueEvent } from './due-events.ts';
import type { Instant, WalletSnapshot } from './types.ts';

/**
 * The earliest time-driven event of a wallet not booked yet, or null. Stored on
 * the wallet row, it lets the sweep find wallets with work due without scanning grants.
 */
export function nextEventAt(snapshot: WalletSnapshot): Instant | null {
  return nextDueEvent(snapshot, Number.MAX_SAFE_INTEGER)?.at ?? null;
}

import { nextDueEvent, nextFloorBoundaryAfter } from './due-events.ts';
import type { Instant, WalletSnapshot } from './types.ts';

/**
 * The earliest time-driven event of a wallet not booked yet, or null. Stored on
 * the wallet row, it lets the sweep find wallets with work due without scanning grants.
 * It includes the next boundary that may top up a drained grant to its floor, which
 * the snapshot (live grants only) may not hold.
 */
export function nextEventAt(snapshot: WalletSnapshot): Instant | null {
  const due = nextDueEvent(snapshot, Number.MAX_SAFE_INTEGER)?.at ?? null;
  const floorBoundary = nextFloorBoundaryAfter(snapshot, snapshot.wallet.advancedTo);
  if (due === null || floorBoundary === null) return due ?? floorBoundary;
  return Math.min(due, floorBoundary);
}

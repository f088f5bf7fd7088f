import type { WalletSnapshot } from './types.ts';

/** A deep copy, so the engine can work on a snapshot without touching its input. */
export function cloneSnapshot(snapshot: WalletSnapshot): WalletSnapshot {
  return {
    wallet: { ...snapshot.wallet },
    grants: snapshot.grants.map((grant) => ({ ...grant })),
    holds: snapshot.holds.map((hold) => ({ ...hold, allocations: hold.allocations.map((allocation) => ({ ...allocation })) })),
    schedules: snapshot.schedules.map((schedule) => ({ ...schedule })),
  };
}

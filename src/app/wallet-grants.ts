import { nextFloorBoundaryAfter, resumeResets } from '../domain/due-events.ts';
import type { GrantState, Instant, ScheduleState, WalletSnapshot } from '../domain/types.ts';
import type { HoldRecord, ScheduleRecord, WalletRecord } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';

/**
 * The grants the engine needs to take a wallet to `to`: its live grants, and,
 * only when that crosses a boundary that may top up a drained grant to its
 * floor, the drained grants with a floor too. So a debit between boundaries
 * reads live grants only, and every boundary sees every grant its reset acts on,
 * whether it is booked in a step of its own or within a jump over many.
 */
async function loadGrantsThrough(repository: Repository, wallet: WalletRecord, schedules: ScheduleState[], to: Instant): Promise<GrantState[]> {
  const live = await repository.grants.loadLive(wallet.id);
  const boundary = nextFloorBoundaryAfter({ wallet, schedules }, wallet.advancedTo);
  if (boundary === null || boundary > to) return live;
  const drained = await repository.grants.loadDrainedWithFloor(wallet.id);
  return [...live, ...drained.map((grant) => resumeResets({ wallet, schedules }, grant, wallet.advancedTo))];
}

export interface StoredSnapshot extends WalletSnapshot {
  wallet: WalletRecord;
  holds: HoldRecord[];
  schedules: ScheduleRecord[];
}

/** A wallet as stored, with what the engine needs to take it to `to` (for reads: apply with advanceSnapshot or computeBalance). */
export async function loadSnapshotThrough(repository: Repository, wallet: WalletRecord, to: Instant): Promise<StoredSnapshot> {
  // An active hold always holds something, so a wallet holding nothing has none; no schedule ever means none to load.
  const holds = wallet.held === 0n ? [] : await repository.holds.loadActive(wallet.id);
  const schedules = wallet.hasSchedules ? await repository.schedules.loadForWallet(wallet.id) : [];
  return { wallet, grants: await loadGrantsThrough(repository, wallet, schedules, to), holds, schedules };
}

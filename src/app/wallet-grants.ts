import { nextFloorBoundaryAfter, resumeResets } from '../domain/due-events.ts';
import type { GrantState, Instant, ScheduleState } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';

/**
 * The grants the engine needs to take a wallet to `to`: its live grants, and,
 * only when that crosses a boundary that may top up a drained grant to its
 * floor, the drained grants with a floor too. So a debit between boundaries
 * reads live grants only, and every boundary sees every grant its reset acts on,
 * whether it is booked in a step of its own or within a jump over many.
 */
export async function loadGrantsThrough(repository: Repository, wallet: WalletRecord, schedules: ScheduleState[], to: Instant): Promise<GrantState[]> {
  const live = await repository.grants.loadLive(wallet.id);
  const boundary = nextFloorBoundaryAfter({ wallet, schedules }, wallet.advancedTo);
  if (boundary === null || boundary > to) return live;
  const drained = await repository.grants.loadDrainedWithFloor(wallet.id);
  return [...live, ...drained.map((grant) => resumeResets({ wallet, schedules }, grant, wallet.advancedTo))];
}

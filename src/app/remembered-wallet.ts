import { nextFloorBoundaryAfter } from '../domain/due-events.ts';
import { nextEventAt } from '../domain/next-event.ts';
import type { GrantState, Instant, WalletSnapshot, WalletState } from '../domain/types.ts';
import type { WalletTransactionResult } from '../domain/wallet-transaction.ts';
import type { Store } from '../store/port.ts';
import type { HoldRecord, ScheduleRecord, WalletAddress, WalletRecord } from '../store/records.ts';
import { isLive } from '../store/repository/grant-queries.ts';
import type { StoredSnapshot } from './wallet-grants.ts';
import type { LoadedWallet } from './wallet-operation.ts';

/**
 * The wallet state a process remembers between operations
 * (`Store.cachedWalletTransaction`): exactly what `book` would load, so an
 * operation computed on it books what it would have booked after loading.
 */

/**
 * The key a wallet's operations coalesce on, and its remembered state is kept under. Injective: the
 * four parts joined by NUL, which no surface accepts in text (edge/unsafe-text.ts); should a part hold
 * one anyway, the JSON array of the parts, which holds no raw NUL where a joined key holds three.
 */
export function walletCoalesceKey({ environmentId, customerId, unit, walletKey }: WalletAddress): string {
  if (environmentId.includes('\u0000') || customerId.includes('\u0000') || unit.includes('\u0000') || walletKey.includes('\u0000')) {
    return JSON.stringify([environmentId, customerId, unit, walletKey]);
  }
  return `${environmentId}\u0000${customerId}\u0000${unit}\u0000${walletKey}`;
}

/** A remembered state has at most this many live grants (a wallet with more is loaded each time). */
const MAX_REMEMBERED_GRANTS = 64;

/** A remembered state has no holds or schedules (`canServe`); all states share these empty maps, which nothing writes (ReadonlyMap). */
const NO_HOLDS: ReadonlyMap<string, HoldRecord> = new Map();
const NO_SCHEDULES: ReadonlyMap<string, ScheduleRecord> = new Map();

/**
 * Whether a remembered state is all `book` would load at `now`: no holds or schedules to load, no
 * settings to read, and no drained grant a period boundary may top up. Time events due are booked
 * by the engine from the state itself, like on any other path.
 */
export function canServe(cached: LoadedWallet, now: Instant): boolean {
  const { wallet } = cached;
  if (!loadsNothingElse(wallet) || cached.holds.size > 0 || cached.schedules.size > 0) return false;
  const boundary = nextFloorBoundaryAfter({ wallet, schedules: [] }, wallet.advancedTo);
  return boundary === null || boundary > now;
}

/**
 * What a later operation would load after this one, when a remembered state can serve it (else undefined).
 * `wallet` is the row the operation wrote (`walletRowAfter`, made once by `persistEffects`).
 */
export function stateAfter(loaded: LoadedWallet, effects: WalletTransactionResult, wallet: WalletRecord): LoadedWallet | undefined {
  if (!loadsNothingElse(wallet) || effects.issuedGrantIds.size > 0) return undefined;
  const grants = new Map<string, GrantState>();
  for (const grant of effects.snapshot.grants) {
    const before = loaded.grants.get(grant.id);
    if (!before) return undefined;
    // A grant the operation did not change keeps the object the last state held: equal (states are never mutated,
    // and every change is in changedGrantIds, as persistEffects relies on too), and older, so the garbage collector
    // does not copy it again; a state's young objects are what each scavenge copies.
    const kept = effects.changedGrantIds.has(grant.id) ? grant : before;
    if (isLive(kept)) grants.set(grant.id, kept);
  }
  if (grants.size > MAX_REMEMBERED_GRANTS) return undefined;
  return { wallet, grants, holds: NO_HOLDS, schedules: NO_SCHEDULES };
}

/**
 * The state this process remembers for the wallet at `address`, when it is exactly what a read
 * at `now` would load (`Store.rememberedWalletState`: committed, and no other process committed
 * since the `externalChanges` the request read; and `canServe`). A read may then run no statement.
 */
export function rememberedStateNow(store: Store, address: WalletAddress, externalChanges: number | undefined, now: Instant): LoadedWallet | undefined {
  const state = store.rememberedWalletState?.<LoadedWallet>(walletCoalesceKey(address), externalChanges);
  return state && canServe(state, now) ? state : undefined;
}

/**
 * Offers what a read of the wallet at `address` loaded at `now` to be remembered
 * (`Store.rememberReadWalletState`, which keeps it only if nothing committed since the
 * request read `externalChanges`), when a remembered state could serve it.
 */
export function rememberReadState(store: Store, address: WalletAddress, snapshot: StoredSnapshot, now: Instant, externalChanges: number | undefined): void {
  if (externalChanges === undefined || !store.rememberReadWalletState) return;
  const state = stateFromRead(snapshot, now);
  if (state) store.rememberReadWalletState(walletCoalesceKey(address), state, externalChanges);
}

/**
 * The state `book` would load, from what a read loaded at `now` (`loadSnapshotThrough`), when a
 * remembered state can serve it: the wallet row and its live grants, nothing else to load.
 */
function stateFromRead(snapshot: StoredSnapshot, now: Instant): LoadedWallet | undefined {
  const { wallet } = snapshot;
  if (!loadsNothingElse(wallet) || snapshot.holds.length > 0 || snapshot.schedules.length > 0) return undefined;
  if (snapshot.grants.length > MAX_REMEMBERED_GRANTS || !snapshot.grants.every(isLive)) return undefined;
  const state: LoadedWallet = { wallet, grants: new Map(snapshot.grants.map((grant) => [grant.id, grant])), holds: NO_HOLDS, schedules: NO_SCHEDULES };
  return canServe(state, now) ? state : undefined;
}

/** A wallet whose load is its row and live grants only: nothing held, no schedules, no settings. */
function loadsNothingElse(wallet: WalletRecord): boolean {
  return wallet.held === 0n && !wallet.hasSchedules && !wallet.hasSettings;
}

/**
 * The wallet row `persistEffects` writes: the row, with the engine's wallet state over it. Spelled out, not
 * `{ ...wallet, ...snapshot.wallet, … }`: a debit makes one, and the second spread copied its fields one by one.
 */
export function walletRowAfter(wallet: WalletRecord, snapshot: WalletSnapshot & { wallet: WalletState }, lastDebitId: string | null): WalletRecord {
  const state = snapshot.wallet;
  // In mapWallet's order, so rows read and rows made here share one shape.
  return {
    id: state.id,
    environmentId: wallet.environmentId,
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: wallet.walletKey,
    overdraftLimit: state.overdraftLimit,
    overdraft: state.overdraft,
    balance: state.balance,
    held: state.held,
    sequence: state.sequence,
    grantCount: state.grantCount,
    advancedTo: state.advancedTo,
    nextEventAt: nextEventAt(snapshot),
    createdAt: wallet.createdAt,
    period: state.period,
    periodAnchor: state.periodAnchor,
    periodStart: state.periodStart,
    periodUsage: state.periodUsage,
    hasSchedules: snapshot.schedules.length > 0,
    hasSettings: wallet.hasSettings,
    lastDebitId,
  };
}

import { ZERO } from './amount.ts';
import { resetPeriodOf } from './due-events.ts';
import { nextBoundaryAfter, parsePeriod, periodAt } from './periods.ts';
import { planReset } from './time-event-booking.ts';
import type { GrantState, HoldState, Instant, LedgerEntryDraft, ScheduleState, WalletSnapshot, WalletState } from './types.ts';

export interface ReplayInput {
  /** The stored wallet: its settings and how far its events are booked (`advancedTo`). */
  wallet: Pick<WalletState, 'id' | 'overdraftLimit' | 'grantCount' | 'advancedTo' | 'period' | 'periodAnchor'>;
  /** Every grant of the wallet (their definitions; derived parts are recomputed). */
  grants: GrantState[];
  /** Every hold of the wallet. */
  holds: HoldState[];
  /** Every recurring schedule of the wallet. */
  schedules: ScheduleState[];
  /**
   * The wallet's entries in sequence order. Entries after `at` are not applied; they
   * are only read for the top-ups (floor `adjustment`s) of grants not yet effective
   * at `at`, whose stored amount has grown by them since. Pass every entry for an
   * exact read as of a time before such a top-up.
   */
  entries: LedgerEntryDraft[];
  at: Instant;
}

/**
 * Rebuilds a wallet's state at `at` from its ledger. The ledger is the source of
 * truth: `verify` compares this with the stored projections, and balance reads
 * as of a past time use it.
 *
 * Why it is exact: every entry of a wallet is booked in time order, and every
 * time-driven event at or before `advancedTo` is booked. So the entries up to
 * `at` are a prefix of the sequence, and the events up to min(at, advancedTo)
 * are in it; whatever falls after is applied in memory by the caller
 * (computeBalance advances the result to `at`).
 */
export function replayWallet(input: ReplayInput): WalletSnapshot {
  const bookedUntil = Math.min(input.at, input.wallet.advancedTo);
  const grants = new Map<string, GrantState>();
  for (const definition of input.grants) {
    if (definition.createdAt > input.at) continue;
    grants.set(definition.id, {
      ...definition,
      amount: ZERO,
      available: ZERO,
      held: ZERO,
      consumed: ZERO,
      expired: ZERO,
      voided: ZERO,
      rolledOver: ZERO,
      activatedAt: null,
      expiredAt: null,
      lastResetAt: null,
      firstEntrySequence: null,
      lastEntrySequence: null,
      voidedAt: definition.voidedAt !== null && definition.voidedAt <= input.at ? definition.voidedAt : null,
      // Paid after `at`: it was still awaiting payment then, whatever it is now.
      paymentPending: definition.paymentPending || (definition.paidAt !== null && definition.paidAt > input.at),
      paidAt: definition.paidAt !== null && definition.paidAt <= input.at ? definition.paidAt : null,
    });
  }
  // Object.assign: the input's type does not promise these keys, and a literal that starts with a
  // spread and adds keys is Node 20's slow path (domain/README.md).
  const wallet: WalletState = Object.assign({}, input.wallet, {
    overdraft: ZERO,
    sequence: 0,
    balance: ZERO,
    held: ZERO,
    advancedTo: bookedUntil,
    periodStart: null,
    periodUsage: ZERO,
  });
  if (wallet.period !== null && wallet.periodAnchor !== null) {
    wallet.periodStart = periodAt(wallet.periodAnchor, parsePeriod(wallet.period), bookedUntil)?.start ?? null;
  }
  const heldByHold = new Map<string, Map<string, bigint>>();
  const resets = new ResetReplay(input, wallet, grants);
  const applied = input.entries.filter((entry) => entry.effectiveAt <= input.at);
  for (let index = 0; index < applied.length; ) {
    const instant = applied[index]!.effectiveAt;
    let end = index;
    while (end < applied.length && applied[end]!.effectiveAt === instant) end += 1;
    const atInstant = applied.slice(index, end);
    resets.through(instant, atInstant);
    for (const entry of atInstant) {
      applyEntry({ wallet, grants, heldByHold }, entry);
      if (entry.type === 'grant') resets.track(grants.get(entry.grantId!)!);
    }
    index = end;
  }
  resets.through(bookedUntil, []);
  for (const [id, grant] of grants) {
    if (grant.activatedAt !== null) continue;
    // Not activated by `at`: no entry exists; the whole amount is scheduled, or voided. The stored
    // amount includes floor top-ups booked later (after activation, so after `at`): take them off.
    const toppedUp = input.entries.reduce((sum, entry) => (entry.type === 'adjustment' && entry.grantId === id ? sum + entry.amount : sum), ZERO);
    grant.amount = input.grants.find((definition) => definition.id === id)!.amount - toppedUp;
    grant.available = grant.voidedAt === null ? grant.amount : ZERO;
    grant.voided = grant.amount - grant.available;
  }
  const schedules = replaySchedules(input, grants);
  return { wallet, grants: [...grants.values()], holds: replayHolds(input, heldByHold), schedules };
}

function applyEntry(
  state: { wallet: WalletState; grants: Map<string, GrantState>; heldByHold: Map<string, Map<string, bigint>> },
  entry: LedgerEntryDraft,
): void {
  const { wallet } = state;
  wallet.sequence = entry.sequence;
  wallet.balance += entry.amount;
  wallet.held += entry.heldAmount;
  if (wallet.periodStart !== null && entry.effectiveAt >= wallet.periodStart) {
    if (entry.type === 'debit' || entry.type === 'overdraft') wallet.periodUsage -= entry.amount;
    if (entry.type === 'capture') wallet.periodUsage -= entry.heldAmount;
  }
  if (entry.grantId === null) {
    wallet.overdraft -= entry.amount;
    return;
  }
  const grant = state.grants.get(entry.grantId);
  if (!grant) throw new Error(`Ledger entry ${entry.sequence} names unknown grant ${entry.grantId}.`);
  grant.firstEntrySequence ??= entry.sequence;
  grant.lastEntrySequence = entry.sequence;
  grant.available += entry.amount;
  grant.held += entry.heldAmount;
  switch (entry.type) {
    case 'grant':
      grant.activatedAt = entry.effectiveAt;
      grant.amount += entry.amount;
      break;
    case 'adjustment':
      grant.amount += entry.amount;
      break;
    case 'debit':
    case 'repayment':
      grant.consumed -= entry.amount;
      break;
    case 'capture':
      grant.consumed -= entry.heldAmount;
      break;
    case 'expiry':
      grant.expired -= entry.amount;
      // A reset's cap also books an expiry; only one at or after expiresAt ends the grant.
      if (grant.expiresAt !== null && entry.effectiveAt >= grant.expiresAt) grant.expiredAt ??= grant.expiresAt;
      break;
    case 'void':
      grant.voided -= entry.amount;
      break;
    default:
      break;
  }
  if (entry.holdId !== null && entry.heldAmount !== 0n) {
    const perGrant = state.heldByHold.get(entry.holdId) ?? new Map<string, bigint>();
    perGrant.set(entry.grantId, (perGrant.get(entry.grantId) ?? ZERO) + entry.heldAmount);
    state.heldByHold.set(entry.holdId, perGrant);
  }
}

function replayHolds(input: ReplayInput, heldByHold: Map<string, Map<string, bigint>>): HoldState[] {
  return input.holds
    .filter((hold) => hold.createdAt <= input.at)
    .map((hold): HoldState => {
      const ended = hold.endedAt !== null && hold.endedAt <= input.at;
      const held = heldByHold.get(hold.id) ?? new Map<string, bigint>();
      return {
        ...hold,
        status: ended ? hold.status : 'active',
        endedAt: ended ? hold.endedAt : null,
        capturedAmount: ended ? hold.capturedAmount : ZERO,
        debitId: ended ? hold.debitId : null,
        allocations: hold.allocations.map((allocation) => ({ grantId: allocation.grantId, amount: held.get(allocation.grantId) ?? ZERO })),
      };
    });
}

/** A schedule as of `at`: the grants it had issued by then, and whether it was cancelled yet. */
function replaySchedules(input: ReplayInput, grants: Map<string, GrantState>): ScheduleState[] {
  const issued = new Map<string, number>();
  for (const grant of grants.values()) {
    if (grant.scheduleId !== null) issued.set(grant.scheduleId, (issued.get(grant.scheduleId) ?? 0) + 1);
  }
  return input.schedules
    .filter((schedule) => issued.has(schedule.id))
    .map((schedule) => ({
      ...schedule,
      issuedCount: issued.get(schedule.id)!,
      cancelledAt: schedule.cancelledAt !== null && schedule.cancelledAt <= input.at ? schedule.cancelledAt : null,
    }));
}

/**
 * The resets booked by `bookedUntil`, boundary by boundary, and what each grant
 * carried at each (its `rolledOver` then). A reset books no entry when nothing is
 * above the cap or below the floor, so which grants reset at a boundary is read
 * from the stored grant: resets go boundary by boundary from its start, up to its
 * stored `lastResetAt` (the last one booked). What a grant had left at a boundary
 * is its credit after every earlier entry, plus what holds lapsing at that very
 * instant returned (booked before resets); entries after it at that instant
 * (the reset's own, then operations) come later. A reset that would top up but
 * has no `adjustment` entry was not booked (a grant drained before floors
 * brought such grants back): it carried nothing.
 */
class ResetReplay {
  private readonly stored: Map<string, GrantState>;
  private readonly holdExpiries: Map<string, Instant>;
  private readonly rhythm: Pick<WalletSnapshot, 'wallet' | 'schedules'>;
  /** Grants with a booked reset still to replay, and when; `earliest` is the first of them. */
  private readonly pending = new Map<string, Instant>();
  private earliest: Instant | null = null;

  constructor(
    input: ReplayInput,
    wallet: WalletState,
    private readonly grants: Map<string, GrantState>,
  ) {
    this.stored = new Map(input.grants.map((grant) => [grant.id, grant]));
    this.holdExpiries = new Map(input.holds.map((hold) => [hold.id, hold.expiresAt]));
    this.rhythm = { wallet, schedules: input.schedules };
  }

  /** A grant started (or reset): note when it resets next, if a reset was booked then. */
  track(grant: GrantState): void {
    const next = this.nextResetOf(grant);
    if (next === null) this.pending.delete(grant.id);
    else this.pending.set(grant.id, next);
    this.earliest = null;
    for (const at of this.pending.values()) if (this.earliest === null || at < this.earliest) this.earliest = at;
  }

  /** Replays every reset up to `until`, before the entries at `until` (`atUntil`: read for what lapsing holds returned). */
  through(until: Instant, atUntil: LedgerEntryDraft[]): void {
    while (this.earliest !== null && this.earliest <= until) {
      const at = this.earliest;
      const groups = new Map<string, GrantState[]>();
      for (const [id, next] of this.pending) {
        if (next !== at) continue;
        const grant = this.grants.get(id)!;
        const key = grant.scheduleId ?? `grant:${grant.id}`;
        groups.set(key, [...(groups.get(key) ?? []), grant]);
      }
      for (const group of groups.values()) {
        this.reset(group, at, at === until ? atUntil : []);
        for (const grant of group) this.track(grant);
      }
    }
  }

  private reset(group: GrantState[], at: Instant, atInstant: LedgerEntryDraft[]): void {
    const returned = (grantId: string) =>
      atInstant.reduce(
        (sum, entry) => (entry.type === 'release' && entry.grantId === grantId && this.holdExpiries.get(entry.holdId ?? '') === at ? sum + entry.amount : sum),
        ZERO,
      );
    const before = group.map((grant) => ({ ...grant, available: grant.available + returned(grant.id) }));
    const { ordered, expire, topUp } = planReset(before);
    const newest = ordered[ordered.length - 1]!;
    const booked = topUp === 0n || atInstant.some((entry) => entry.type === 'adjustment' && entry.grantId === newest.id);
    ordered.forEach((state, index) => {
      const grant = this.grants.get(state.id)!;
      if (booked) grant.rolledOver += state.available - expire[index]! + (state === newest ? topUp : ZERO);
      grant.lastResetAt = at;
    });
  }

  private nextResetOf(grant: GrantState): Instant | null {
    const lastBooked = this.stored.get(grant.id)?.lastResetAt ?? null;
    if (grant.activatedAt === null || lastBooked === null) return null;
    const resetPeriod = resetPeriodOf(this.rhythm, grant);
    if (!resetPeriod) return null;
    const next = nextBoundaryAfter(resetPeriod.anchor, parsePeriod(resetPeriod.period), grant.lastResetAt ?? grant.activatedAt);
    return next <= lastBooked ? next : null;
  }
}

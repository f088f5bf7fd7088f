import { formatAmount, minAmount, sumAmounts, ZERO, type Amount } from './amount.ts';
import { sortInBurnOrder } from './burn-order.ts';
import { CreditbookError, notFound, stateConflict, validationError } from './errors.ts';
import { activationInstant, isSpendable } from './grant-status.ts';
import { cloneSnapshot } from './snapshot.ts';
import type {
  Allocation,
  DomainEvent,
  GrantState,
  HoldState,
  InsufficientPolicy,
  Instant,
  LedgerEntryDraft,
  LedgerEntryType,
  WalletSnapshot,
} from './types.ts';

export interface NewGrant {
  id: string;
  amount: Amount;
  category: GrantState['category'];
  priority: number;
  effectiveAt: Instant;
  expiresAt: Instant | null;
  appliesTo: readonly string[];
  paymentPending?: boolean;
}

export interface DebitCommand {
  debitId: string;
  amount: Amount;
  feature: string | null;
  policy: InsufficientPolicy;
}

export interface DebitOutcome {
  debitId: string;
  requested: Amount;
  /** What grants paid, in burn order. */
  allocations: Allocation[];
  /** What went into overdraft. */
  overdrawn: Amount;
  /** What was neither paid nor overdrawn (policy `partial`). */
  shortfall: Amount;
}

export interface WalletTransactionResult {
  snapshot: WalletSnapshot;
  entries: LedgerEntryDraft[];
  events: DomainEvent[];
  changedGrantIds: Set<string>;
  changedHoldIds: Set<string>;
}

interface EntryReferences {
  debitId?: string | null;
  holdId?: string | null;
}

/**
 * Applies operations to one wallet, purely: the input snapshot is cloned, never
 * mutated, and every balance change is booked as a ledger entry.
 *
 * Invariants kept by every method:
 * - each entry's time is >= the previous entry's, so sequence order is time order;
 * - before any operation at `now`, every time-driven event due by `now`
 *   (activation, hold expiry, grant expiry) is booked at its own exact instant;
 * - Σ entry.amount = wallet.balance and Σ entry.heldAmount = wallet.held.
 */
export class WalletTransaction {
  readonly now: Instant;
  private readonly state: WalletSnapshot;
  private readonly entries: LedgerEntryDraft[] = [];
  private readonly events: DomainEvent[] = [];
  private readonly changedGrantIds = new Set<string>();
  private readonly changedHoldIds = new Set<string>();

  constructor(snapshot: WalletSnapshot, now: Instant) {
    this.state = cloneSnapshot(snapshot);
    this.now = Math.max(now, snapshot.wallet.lastEntryAt);
    this.advanceTo(this.now);
  }

  get snapshot(): WalletSnapshot {
    return this.state;
  }

  result(): WalletTransactionResult {
    return {
      snapshot: this.state,
      entries: this.entries,
      events: this.events,
      changedGrantIds: this.changedGrantIds,
      changedHoldIds: this.changedHoldIds,
    };
  }

  grant(grantId: string): GrantState {
    const grant = this.state.grants.find((candidate) => candidate.id === grantId);
    if (!grant) throw notFound('grant', grantId);
    return grant;
  }

  hold(holdId: string): HoldState {
    const hold = this.state.holds.find((candidate) => candidate.id === holdId);
    if (!hold) throw notFound('hold', holdId);
    return hold;
  }

  addGrant(input: NewGrant): GrantState {
    requirePositive(input.amount);
    if (input.expiresAt !== null && input.expiresAt <= Math.max(input.effectiveAt, this.now)) {
      throw validationError('expiresAt', 'expiresAt must be later than effectiveAt and than now.');
    }
    const wallet = this.state.wallet;
    wallet.grantCount += 1;
    const grant: GrantState = {
      id: input.id,
      amount: input.amount,
      available: input.amount,
      held: ZERO,
      consumed: ZERO,
      expired: ZERO,
      voided: ZERO,
      category: input.category,
      priority: input.priority,
      effectiveAt: input.effectiveAt,
      expiresAt: input.expiresAt,
      createdAt: this.now,
      ordinal: wallet.grantCount,
      activatedAt: null,
      expiredAt: null,
      voidedAt: null,
      paymentPending: input.paymentPending ?? false,
      appliesTo: [...input.appliesTo],
    };
    this.state.grants.push(grant);
    this.changedGrantIds.add(grant.id);
    this.events.push({ type: 'grant.created', grantId: grant.id });
    this.advanceTo(this.now);
    return grant;
  }

  debit(command: DebitCommand): DebitOutcome {
    requirePositive(command.amount);
    const spendable = this.spendableGrants(command.feature);
    const available = sumAmounts(spendable.map((grant) => grant.available));
    const wallet = this.state.wallet;
    const overdraftRoom = wallet.overdraftLimit - wallet.overdraft;
    const missing = command.amount - minAmount(available, command.amount);
    if (missing > 0n && (command.policy === 'reject' || (command.policy === 'overdraft' && missing > overdraftRoom))) {
      throw insufficientBalance(available, command.amount, command.policy === 'overdraft' ? overdraftRoom : ZERO);
    }
    const allocations = this.takeInBurnOrder(spendable, command.amount, (grant, amount) => {
      grant.available -= amount;
      grant.consumed += amount;
      this.book('debit', grant.id, -amount, ZERO, this.now, { debitId: command.debitId });
    });
    let overdrawn = ZERO;
    if (missing > 0n && command.policy === 'overdraft') {
      overdrawn = missing;
      wallet.overdraft += missing;
      this.book('overdraft', null, -missing, ZERO, this.now, { debitId: command.debitId });
    }
    this.events.push({ type: 'debit.created', debitId: command.debitId });
    return {
      debitId: command.debitId,
      requested: command.amount,
      allocations,
      overdrawn,
      shortfall: command.policy === 'partial' ? missing : ZERO,
    };
  }

  placeHold(input: { holdId: string; amount: Amount; feature: string | null; expiresAt: Instant }): HoldState {
    requirePositive(input.amount);
    if (input.expiresAt <= this.now) throw validationError('expiresAt', 'A hold must expire in the future.');
    const spendable = this.spendableGrants(input.feature);
    const available = sumAmounts(spendable.map((grant) => grant.available));
    if (available < input.amount) throw insufficientBalance(available, input.amount, ZERO);
    const allocations = this.takeInBurnOrder(spendable, input.amount, (grant, amount) => {
      grant.available -= amount;
      grant.held += amount;
      this.book('hold', grant.id, -amount, amount, this.now, { holdId: input.holdId });
    });
    const hold: HoldState = {
      id: input.holdId,
      amount: input.amount,
      feature: input.feature,
      expiresAt: input.expiresAt,
      status: 'active',
      allocations,
      capturedAmount: ZERO,
      createdAt: this.now,
      endedAt: null,
      debitId: null,
    };
    this.state.holds.push(hold);
    this.changedHoldIds.add(hold.id);
    this.events.push({ type: 'hold.created', holdId: hold.id });
    return hold;
  }

  /** Captures `amount` (default: all) of an active hold as a debit; the rest is released. */
  capture(input: { holdId: string; debitId: string; amount: Amount | null }): { hold: HoldState; allocations: Allocation[] } {
    const hold = this.activeHold(input.holdId, 'capture');
    const amount = input.amount ?? hold.amount;
    requirePositive(amount);
    if (amount > hold.amount) {
      throw validationError('amount', 'The capture amount exceeds the amount held.');
    }
    // Capture takes from the hold's allocations in the order they were held (burn order).
    const captured: Allocation[] = [];
    let remaining = amount;
    for (const allocation of hold.allocations) {
      const part = minAmount(allocation.amount, remaining);
      if (part === 0n) continue;
      const grant = this.grant(allocation.grantId);
      grant.held -= part;
      grant.consumed += part;
      allocation.amount -= part;
      remaining -= part;
      this.changedGrantIds.add(grant.id);
      this.book('capture', grant.id, ZERO, -part, this.now, { holdId: hold.id, debitId: input.debitId });
      captured.push({ grantId: grant.id, amount: part });
    }
    hold.capturedAmount = amount;
    hold.debitId = input.debitId;
    this.endHold(hold, 'captured', this.now);
    this.events.push({ type: 'hold.captured', holdId: hold.id });
    return { hold, allocations: captured };
  }

  release(holdId: string): HoldState {
    const hold = this.activeHold(holdId, 'release');
    this.endHold(hold, 'released', this.now);
    this.events.push({ type: 'hold.released', holdId: hold.id });
    return hold;
  }

  /**
   * Payment arrived for a `payment_pending` grant: it becomes spendable now (or at
   * its effectiveAt if that is later), never earlier, so no entry is booked into
   * the past. Confirming a paid grant changes nothing; a voided one is a conflict.
   */
  confirmPayment(grantId: string): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null) throw stateConflict(`Grant '${grantId}' is voided; its payment cannot activate it.`);
    if (!grant.paymentPending) return grant;
    grant.paymentPending = false;
    grant.effectiveAt = Math.max(grant.effectiveAt, this.now);
    this.changedGrantIds.add(grant.id);
    this.events.push({ type: 'grant.updated', grantId: grant.id });
    this.advanceTo(this.now);
    return grant;
  }

  /** Forfeits what is still available now. Voiding a voided grant changes nothing. */
  voidGrant(grantId: string): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null) return grant;
    grant.voidedAt = this.now;
    this.forfeit(grant, 'void', this.now);
    this.changedGrantIds.add(grant.id);
    this.events.push({ type: 'grant.voided', grantId: grant.id });
    return grant;
  }

  /** Expires a grant now. Expiring an expired grant changes nothing. */
  expireGrant(grantId: string): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null) throw stateConflict(`Grant '${grantId}' is voided and cannot be expired.`);
    if (grant.expiredAt !== null) return grant;
    // Not yet booked (scheduled or pending payment): expiring it now would put its expiry
    // before its own activation and book entries out of time order. Voiding is the way to end it.
    if (grant.activatedAt === null) {
      throw stateConflict(`Grant '${grantId}' is not effective yet and cannot be expired; void it instead.`);
    }
    grant.expiresAt = this.now;
    this.changedGrantIds.add(grant.id);
    this.advanceTo(this.now);
    return grant;
  }

  updateGrant(grantId: string, changes: { expiresAt?: Instant | null; priority?: number }): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null || grant.expiredAt !== null) {
      throw stateConflict(`Grant '${grantId}' is ${grant.voidedAt !== null ? 'voided' : 'expired'} and cannot be changed.`);
    }
    if (changes.expiresAt !== undefined) {
      if (changes.expiresAt !== null && changes.expiresAt <= Math.max(grant.effectiveAt, this.now)) {
        throw validationError('expiresAt', 'expiresAt must be later than effectiveAt and than now; use the expire endpoint to end a grant now.');
      }
      grant.expiresAt = changes.expiresAt;
    }
    if (changes.priority !== undefined) grant.priority = changes.priority;
    this.changedGrantIds.add(grant.id);
    this.events.push({ type: 'grant.updated', grantId: grant.id });
    return grant;
  }

  setOverdraftLimit(limit: Amount): void {
    this.state.wallet.overdraftLimit = limit;
  }

  /**
   * Books every time-driven event due by `to`, each at its own instant, in time
   * order. At one instant: activations, then hold expiries (whose released credit
   * may then expire), then grant expiries; ties broken by creation order.
   */
  advanceTo(to: Instant): void {
    for (;;) {
      const next = this.nextDueEvent(to);
      if (!next) return;
      if (next.kind === 'activation') this.activate(next.grant, next.at);
      else if (next.kind === 'hold-expiry') this.expireHold(next.hold, next.at);
      else this.bookGrantExpiry(next.grant, next.at);
    }
  }

  private nextDueEvent(to: Instant):
    | { kind: 'activation' | 'grant-expiry'; at: Instant; grant: GrantState }
    | { kind: 'hold-expiry'; at: Instant; hold: HoldState }
    | null {
    let best: ReturnType<WalletTransaction['nextDueEvent']> = null;
    const rank = { activation: 0, 'hold-expiry': 1, 'grant-expiry': 2 } as const;
    const consider = (candidate: NonNullable<typeof best>) => {
      if (candidate.at > to) return;
      if (!best || candidate.at < best.at || (candidate.at === best.at && rank[candidate.kind] < rank[best.kind])) {
        best = candidate;
      }
    };
    for (const grant of this.state.grants) {
      if (grant.voidedAt !== null || grant.paymentPending) continue;
      if (grant.activatedAt === null) consider({ kind: 'activation', at: activationInstant(grant), grant });
      else if (grant.expiredAt === null && grant.expiresAt !== null) consider({ kind: 'grant-expiry', at: grant.expiresAt, grant });
    }
    for (const hold of this.state.holds) {
      if (hold.status === 'active') consider({ kind: 'hold-expiry', at: hold.expiresAt, hold });
    }
    return best;
  }

  private activate(grant: GrantState, at: Instant): void {
    grant.activatedAt = at;
    this.changedGrantIds.add(grant.id);
    this.book('grant', grant.id, grant.available, ZERO, at, {});
    this.repayOverdraft(grant, at);
  }

  /** A new grant first pays back an overdraft; only unrestricted grants repay general debt. */
  private repayOverdraft(grant: GrantState, at: Instant): void {
    const wallet = this.state.wallet;
    if (wallet.overdraft === 0n || grant.appliesTo.length > 0) return;
    const repaid = minAmount(wallet.overdraft, grant.available);
    grant.available -= repaid;
    grant.consumed += repaid;
    wallet.overdraft -= repaid;
    this.book('repayment', grant.id, -repaid, ZERO, at, {});
    this.book('repayment', null, repaid, ZERO, at, {});
  }

  private bookGrantExpiry(grant: GrantState, at: Instant): void {
    grant.expiredAt = at;
    this.changedGrantIds.add(grant.id);
    if (this.forfeit(grant, 'expiry', at) > 0n) this.events.push({ type: 'grant.expired', grantId: grant.id });
  }

  private expireHold(hold: HoldState, at: Instant): void {
    this.endHold(hold, 'expired', at);
    this.events.push({ type: 'hold.expired', holdId: hold.id });
  }

  /** Returns what a hold still holds to its grants; credit coming back to a dead grant is forfeited at once. */
  private endHold(hold: HoldState, status: HoldState['status'], at: Instant): void {
    for (const allocation of hold.allocations) {
      if (allocation.amount === 0n) continue;
      const grant = this.grant(allocation.grantId);
      grant.held -= allocation.amount;
      grant.available += allocation.amount;
      this.book('release', grant.id, allocation.amount, -allocation.amount, at, { holdId: hold.id });
      allocation.amount = ZERO;
      if (grant.voidedAt !== null) this.forfeit(grant, 'void', at);
      else if (grant.expiredAt !== null) this.forfeit(grant, 'expiry', at);
      this.changedGrantIds.add(grant.id);
    }
    hold.status = status;
    hold.endedAt = at;
    this.changedHoldIds.add(hold.id);
  }

  private forfeit(grant: GrantState, type: 'void' | 'expiry', at: Instant): Amount {
    const amount = grant.available;
    if (amount === 0n) return ZERO;
    grant.available = ZERO;
    if (type === 'void') grant.voided += amount;
    else grant.expired += amount;
    // A grant that never activated has no entry to reverse.
    if (grant.activatedAt !== null) this.book(type, grant.id, -amount, ZERO, at, {});
    return amount;
  }

  private activeHold(holdId: string, action: string): HoldState {
    const hold = this.hold(holdId);
    if (hold.status !== 'active') {
      throw stateConflict(`Hold '${holdId}' is ${hold.status}; only an active hold can be ${action}d.`);
    }
    return hold;
  }

  private spendableGrants(feature: string | null): GrantState[] {
    return sortInBurnOrder(this.state.grants.filter((grant) => isSpendable(grant, this.now, feature)));
  }

  /** Takes up to `amount` from grants in the given order, calling `take` for each part. */
  private takeInBurnOrder(grants: GrantState[], amount: Amount, take: (grant: GrantState, part: Amount) => void): Allocation[] {
    const allocations: Allocation[] = [];
    let remaining = amount;
    for (const grant of grants) {
      if (remaining === 0n) break;
      const part = minAmount(grant.available, remaining);
      take(grant, part);
      this.changedGrantIds.add(grant.id);
      allocations.push({ grantId: grant.id, amount: part });
      remaining -= part;
    }
    return allocations;
  }

  private book(type: LedgerEntryType, grantId: string | null, amount: Amount, heldAmount: Amount, at: Instant, references: EntryReferences): void {
    const wallet = this.state.wallet;
    wallet.sequence += 1;
    wallet.balance += amount;
    wallet.held += heldAmount;
    wallet.lastEntryAt = at;
    this.entries.push({
      sequence: wallet.sequence,
      type,
      grantId,
      debitId: references.debitId ?? null,
      holdId: references.holdId ?? null,
      amount,
      heldAmount,
      balanceAfter: wallet.balance,
      heldAfter: wallet.held,
      effectiveAt: at,
    });
  }
}

/** Defence in depth: edges validate amounts, but a non-positive amount would create or destroy credit here. */
function requirePositive(amount: Amount): void {
  if (amount <= 0n) throw validationError('amount', "'amount' must be greater than zero.");
}

export function insufficientBalance(available: Amount, requested: Amount, overdraftRoom: Amount): CreditbookError {
  return new CreditbookError(
    'insufficient_balance',
    `Insufficient balance: ${formatAmount(requested)} requested, ${formatAmount(available)} available` +
      (overdraftRoom > 0n ? ` plus ${formatAmount(overdraftRoom)} of overdraft room.` : '.'),
    { details: { available: formatAmount(available), requested: formatAmount(requested), overdraftRoom: formatAmount(overdraftRoom) } },
  );
}

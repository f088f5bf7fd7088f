import { formatAmount, MAX_INTEGER_DIGITS, maxAmount, minAmount, sumAmounts, withinAmountLimit, ZERO, type Amount } from './amount.ts';
import { sortInBurnOrder } from './burn-order.ts';
import { CreditbookError, notFound, stateConflict, validationError } from './errors.ts';
import { isSpendable } from './grant-status.ts';
import { parsePeriod, periodAt } from './periods.ts';
import { advanceTo, endHold, forfeit } from './time-event-booking.ts';
import type { Allocation, DebitPolicy, GrantState, HoldState, Instant, ScheduleState, WalletSnapshot } from './types.ts';
import { WalletLedger, type LedgerOptions, type NewGrant } from './wallet-ledger.ts';

export type { NewGrant, WalletTransactionResult } from './wallet-ledger.ts';

export interface DebitCommand {
  debitId: string;
  amount: Amount;
  feature: string | null;
  policy: DebitPolicy;
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

export interface NewSchedule {
  scheduleId: string;
  /** The first grant, issued now (boundary 0 is its effectiveAt). */
  firstGrant: NewGrant;
  recurrencePeriod: string;
  endsAt: Instant | null;
}

/**
 * Applies operations to one wallet, purely: the input snapshot is cloned, never
 * mutated, and every balance change is booked as a ledger entry.
 *
 * Invariants kept by every method:
 * - each entry's time is >= the previous entry's, so sequence order is time order;
 * - before any operation at `now`, every time-driven event due by `now`
 *   (activations, expiries, resets, recurring issues, period turnovers) is booked
 *   at its own exact instant (time-event-booking.ts);
 * - Σ entry.amount = wallet.balance and Σ entry.heldAmount = wallet.held.
 */
export class WalletTransaction extends WalletLedger {
  constructor(snapshot: ConstructorParameters<typeof WalletLedger>[0], now: Instant, options: LedgerOptions = {}) {
    super(snapshot, now, options);
    advanceTo(this, this.now);
  }

  advanceTo(to: Instant): void {
    advanceTo(this, to);
  }

  addGrant(input: NewGrant): GrantState {
    requirePositive(input.amount);
    if (input.expiresAt !== null && input.expiresAt <= Math.max(input.effectiveAt, this.now)) {
      throw validationError('expiresAt', 'expiresAt must be later than effectiveAt and than now.');
    }
    requireRoomFor(this.state, input.amount);
    const grant = this.addGrantState(input, this.now);
    advanceTo(this, this.now);
    return grant;
  }

  /**
   * A recurring grant: issues `firstGrant` now and the same amount at every later
   * boundary of `recurrencePeriod` (anchored at the first grant's effectiveAt),
   * until cancelled or `endsAt`.
   */
  createSchedule(input: NewSchedule): { schedule: ScheduleState; grant: GrantState } {
    parsePeriod(input.recurrencePeriod, 'recurrencePeriod');
    if (input.firstGrant.expiresAt !== null) {
      throw validationError('expiresAt', 'A recurring grant cannot have expiresAt; use resetMaxRollover to limit what carries over.');
    }
    const anchor = Math.max(input.firstGrant.effectiveAt, this.now);
    if (input.endsAt !== null && input.endsAt <= anchor) throw validationError('recurrenceEndsAt', 'recurrenceEndsAt must be later than the first grant.');
    const { firstGrant } = input;
    const schedule: ScheduleState = {
      id: input.scheduleId,
      amount: firstGrant.amount,
      category: firstGrant.category,
      priority: firstGrant.priority,
      appliesTo: [...firstGrant.appliesTo],
      resetMaxRollover: firstGrant.resetMaxRollover ?? null,
      resetMinRollover: firstGrant.resetMinRollover ?? null,
      recurrencePeriod: input.recurrencePeriod,
      anchor,
      issuedCount: 1,
      endsAt: input.endsAt,
      cancelledAt: null,
    };
    this.state.schedules.push(schedule);
    this.changedSchedule(schedule.id);
    this.emit({ type: 'grant_schedule.created', scheduleId: schedule.id });
    const grant = this.addGrant(Object.assign({}, firstGrant, { effectiveAt: anchor, source: 'recurring' as const, scheduleId: schedule.id }));
    return { schedule, grant };
  }

  /** Stops future issues; grants already issued stay. Cancelling twice changes nothing. */
  cancelSchedule(scheduleId: string): ScheduleState {
    const schedule = this.state.schedules.find((candidate) => candidate.id === scheduleId);
    if (!schedule) throw notFound('grant schedule', scheduleId, 'id');
    if (schedule.cancelledAt !== null) return schedule;
    schedule.cancelledAt = this.now;
    this.changedSchedule(schedule.id);
    this.emit({ type: 'grant_schedule.cancelled', scheduleId: schedule.id });
    return schedule;
  }

  /**
   * Sets (or removes, with null) the wallet's usage period. The current period
   * starts at the last boundary at or before now; usage counts from there.
   */
  setUsagePeriod(input: { period: string; anchor: Instant } | null): void {
    const wallet = this.state.wallet;
    if (input === null) {
      wallet.period = null;
      wallet.periodAnchor = null;
      wallet.periodStart = null;
      wallet.periodUsage = ZERO;
      return;
    }
    const period = parsePeriod(input.period, 'period');
    const changed = wallet.period !== input.period || wallet.periodAnchor !== input.anchor;
    wallet.period = input.period;
    wallet.periodAnchor = input.anchor;
    if (changed) {
      wallet.periodStart = periodAt(input.anchor, period, this.now)?.start ?? null;
      wallet.periodUsage = ZERO;
    }
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
    const overdrawn = command.policy === 'overdraft' ? missing : command.policy === 'usage' ? minAmount(missing, maxAmount(overdraftRoom, ZERO)) : ZERO;
    if (overdrawn > 0n) {
      wallet.overdraft += overdrawn;
      this.book('overdraft', null, -overdrawn, ZERO, this.now, { debitId: command.debitId });
    }
    const shortfall = command.policy === 'partial' || command.policy === 'usage' ? missing - overdrawn : ZERO;
    wallet.periodUsage += command.amount - shortfall;
    this.emit({ type: 'debit.created', debitId: command.debitId });
    return { debitId: command.debitId, requested: command.amount, allocations, overdrawn, shortfall };
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
    this.changedHold(hold);
    this.emit({ type: 'hold.created', holdId: hold.id });
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
      this.changedGrant(grant);
      this.book('capture', grant.id, ZERO, -part, this.now, { holdId: hold.id, debitId: input.debitId });
      captured.push({ grantId: grant.id, amount: part });
    }
    this.state.wallet.periodUsage += amount;
    hold.capturedAmount = amount;
    hold.debitId = input.debitId;
    endHold(this, hold, 'captured', this.now);
    this.emit({ type: 'hold.captured', holdId: hold.id });
    return { hold, allocations: captured };
  }

  release(holdId: string): HoldState {
    const hold = this.activeHold(holdId, 'release');
    endHold(this, hold, 'released', this.now);
    this.emit({ type: 'hold.released', holdId: hold.id });
    return hold;
  }

  /**
   * Payment arrived for a `payment_pending` grant: it becomes spendable now (or at
   * its effectiveAt if that is later), never earlier, so no entry is booked into
   * the past; paid after its expiresAt, it expires at once. Confirming a paid
   * grant changes nothing; a voided one is a conflict.
   */
  confirmPayment(grantId: string): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null) throw stateConflict(`Grant '${grantId}' is voided; its payment cannot activate it.`);
    if (!grant.paymentPending) return grant;
    grant.paymentPending = false;
    grant.paidAt = this.now;
    grant.effectiveAt = Math.max(grant.effectiveAt, this.now);
    // Paid after its expiresAt: it starts and expires at once, now; no entry is booked into the past.
    if (grant.expiresAt !== null && grant.expiresAt < grant.effectiveAt) grant.expiresAt = grant.effectiveAt;
    this.changedGrant(grant);
    this.emit({ type: 'grant.updated', grantId: grant.id });
    advanceTo(this, this.now);
    return grant;
  }

  /** Forfeits what is still available now. Voiding a voided grant changes nothing. */
  voidGrant(grantId: string): GrantState {
    const grant = this.grant(grantId);
    if (grant.voidedAt !== null) return grant;
    grant.voidedAt = this.now;
    forfeit(this, grant, 'void', this.now);
    this.changedGrant(grant);
    this.emit({ type: 'grant.voided', grantId: grant.id });
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
    this.changedGrant(grant);
    advanceTo(this, this.now);
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
    this.changedGrant(grant);
    this.emit({ type: 'grant.updated', grantId: grant.id });
    return grant;
  }

  setOverdraftLimit(limit: Amount): void {
    this.state.wallet.overdraftLimit = limit;
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
      this.changedGrant(grant);
      allocations.push({ grantId: grant.id, amount: part });
      remaining -= part;
    }
    return allocations;
  }
}

/**
 * A grant may not take what the wallet's grants hold at once (its balance, held credit, and grants yet to start)
 * past the 25 digits any amount may have: every figure the API shows of the wallet stays one a request could send.
 */
function requireRoomFor(state: WalletSnapshot, amount: Amount): void {
  let total = state.wallet.balance + state.wallet.held + amount;
  for (const grant of state.grants) if (grant.activatedAt === null && grant.voidedAt === null && grant.expiredAt === null) total += grant.available;
  if (!withinAmountLimit(total)) {
    throw validationError('amount', `'amount' would take the credit this wallet holds past ${MAX_INTEGER_DIGITS} digits before the decimal point.`);
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

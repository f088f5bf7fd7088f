import { ZERO, type Amount } from './amount.ts';
import { notFound } from './errors.ts';
import { cloneSnapshot } from './snapshot.ts';
import type { DomainEvent, GrantCategory, GrantSource, GrantState, HoldState, Instant, LedgerEntryDraft, LedgerEntryType, WalletSnapshot } from './types.ts';

export interface NewGrant {
  id: string;
  amount: Amount;
  category: GrantCategory;
  priority: number;
  effectiveAt: Instant;
  expiresAt: Instant | null;
  appliesTo: readonly string[];
  paymentPending?: boolean;
  source?: GrantSource;
  scheduleId?: string | null;
  resetMaxRollover?: Amount | null;
  resetMinRollover?: Amount | null;
}

export interface WalletTransactionResult {
  snapshot: WalletSnapshot;
  entries: LedgerEntryDraft[];
  events: DomainEvent[];
  changedGrantIds: Set<string>;
  changedHoldIds: Set<string>;
  changedScheduleIds: Set<string>;
  /** Grants a recurring schedule issued during this transaction (not created by the operation itself). */
  issuedGrantIds: Set<string>;
}

export interface LedgerOptions {
  /** IDs for grants a recurring schedule issues during this transaction (the k-th issue of a schedule). */
  issuedGrantId?: (scheduleId: string, issueIndex: number) => string;
}

interface EntryReferences {
  debitId?: string | null;
  holdId?: string | null;
}

/**
 * The state a wallet transaction works on, and the only way it changes a
 * balance: `book`, which appends a ledger entry. The snapshot given is cloned,
 * never mutated. Used by WalletTransaction (operations) and time-event-booking
 * (what the clock does); nothing outside the domain builds one directly.
 */
export class WalletLedger {
  readonly now: Instant;
  readonly state: WalletSnapshot;
  readonly issuedGrantId: (scheduleId: string, issueIndex: number) => string;
  private readonly entries: LedgerEntryDraft[] = [];
  private readonly events: DomainEvent[] = [];
  private readonly changedGrantIds = new Set<string>();
  private readonly changedHoldIds = new Set<string>();
  private readonly changedScheduleIds = new Set<string>();
  private readonly issuedGrantIds = new Set<string>();

  constructor(snapshot: WalletSnapshot, now: Instant, options: LedgerOptions = {}) {
    this.state = cloneSnapshot(snapshot);
    this.now = Math.max(now, snapshot.wallet.advancedTo);
    this.issuedGrantId = options.issuedGrantId ?? ((scheduleId, issueIndex) => `${scheduleId}-issue-${issueIndex}`);
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
      changedScheduleIds: this.changedScheduleIds,
      issuedGrantIds: this.issuedGrantIds,
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

  changedGrant(grant: GrantState): void {
    this.changedGrantIds.add(grant.id);
  }

  changedHold(hold: HoldState): void {
    this.changedHoldIds.add(hold.id);
  }

  changedSchedule(scheduleId: string): void {
    this.changedScheduleIds.add(scheduleId);
  }

  issued(grant: GrantState): void {
    this.issuedGrantIds.add(grant.id);
  }

  emit(event: DomainEvent): void {
    this.events.push(event);
  }

  /** Adds a grant to the wallet (not yet activated: activation is a time event). */
  addGrantState(input: NewGrant, createdAt: Instant): GrantState {
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
      createdAt,
      ordinal: wallet.grantCount,
      activatedAt: null,
      expiredAt: null,
      voidedAt: null,
      paymentPending: input.paymentPending ?? false,
      paidAt: null,
      appliesTo: [...input.appliesTo],
      source: input.source ?? 'manual',
      scheduleId: input.scheduleId ?? null,
      resetMaxRollover: input.resetMaxRollover ?? null,
      resetMinRollover: input.resetMinRollover ?? null,
      rolledOver: ZERO,
      lastResetAt: null,
      firstEntrySequence: null,
      lastEntrySequence: null,
    };
    this.state.grants.push(grant);
    this.changedGrant(grant);
    this.emit({ type: 'grant.created', grantId: grant.id });
    return grant;
  }

  /** A grant's entries span from its first to its latest sequence (GrantState.firstEntrySequence). */
  private bookedFor(grantId: string, sequence: number): void {
    const grant = this.state.grants.find((candidate) => candidate.id === grantId);
    if (!grant) throw new Error(`An entry was booked for grant ${grantId}, which this wallet's state does not hold.`);
    grant.firstEntrySequence ??= sequence;
    grant.lastEntrySequence = sequence;
    this.changedGrant(grant);
  }

  /** Appends a ledger entry. Invariant: Σ entry.amount = wallet.balance, Σ entry.heldAmount = wallet.held. */
  book(type: LedgerEntryType, grantId: string | null, amount: Amount, heldAmount: Amount, at: Instant, references: EntryReferences = {}): void {
    const wallet = this.state.wallet;
    wallet.sequence += 1;
    wallet.balance += amount;
    wallet.held += heldAmount;
    if (grantId !== null) this.bookedFor(grantId, wallet.sequence);
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

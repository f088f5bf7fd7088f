import type { Amount } from './amount.ts';

/** Times are UTC epoch milliseconds; the domain never reads a clock, callers pass `now`. */
export type Instant = number;

export type GrantCategory = 'paid' | 'promotional';
export type GrantStatus = 'payment_pending' | 'scheduled' | 'active' | 'expired' | 'voided';
export type InsufficientPolicy = 'reject' | 'partial' | 'overdraft';
/**
 * How a debit treats missing credit: a caller's `InsufficientPolicy`, or `usage` for
 * rated usage, which already happened and so is never refused: grants pay first,
 * then the overdraft up to its limit, and the rest is recorded as shortfall.
 */
export type DebitPolicy = InsufficientPolicy | 'usage';
export type HoldStatus = 'active' | 'captured' | 'released' | 'expired';
/** Where a grant came from: made directly, issued by a recurring schedule, or bought. */
export type GrantSource = 'manual' | 'recurring' | 'purchase';

export type LedgerEntryType =
  | 'grant'
  | 'debit'
  | 'hold'
  | 'release'
  | 'capture'
  | 'expiry'
  | 'void'
  | 'overdraft'
  | 'repayment'
  | 'adjustment';

/**
 * What the engine knows of a grant. Invariant:
 * amount = available + held + consumed + expired + voided.
 * Before activation (scheduled or pending payment) `available` is the whole
 * amount but not spendable, and no ledger entry exists for the grant yet.
 */
export interface GrantState {
  id: string;
  amount: Amount;
  available: Amount;
  held: Amount;
  consumed: Amount;
  expired: Amount;
  voided: Amount;
  category: GrantCategory;
  priority: number;
  effectiveAt: Instant;
  expiresAt: Instant | null;
  createdAt: Instant;
  /** Creation order within the wallet: the last tie-break of the burn order. */
  ordinal: number;
  /** When its `grant` ledger entry was booked; null while scheduled or pending payment. */
  activatedAt: Instant | null;
  /** When its expiry was booked; null until then. */
  expiredAt: Instant | null;
  voidedAt: Instant | null;
  paymentPending: boolean;
  /** When its payment was confirmed; null if it never awaited one or still does. Reads as of an earlier time see it pending. */
  paidAt: Instant | null;
  /** Feature keys this grant may pay for; empty means every feature. */
  appliesTo: readonly string[];
  source: GrantSource;
  /** The recurring schedule that issued it, if any. */
  scheduleId: string | null;
  /**
   * Reset at each period boundary (the wallet's usage period, else the grant's
   * schedule period): what is left carries over as min(max, max(min, left)); the
   * rest expires, and a floor above what is left is topped up. Null: no cap, no floor.
   */
  resetMaxRollover: Amount | null;
  resetMinRollover: Amount | null;
  /** Total carried across period boundaries so far (Chargebee's rolled_over_amount). */
  rolledOver: Amount;
  /** The boundary of the last reset booked; null before the first. */
  lastResetAt: Instant | null;
  /**
   * The wallet sequences of its first and latest ledger entries; null before its
   * first. Every entry of the grant lies between them in the wallet's sequence, so
   * its entries are read through the wallet's own index, with none by grant.
   */
  firstEntrySequence: number | null;
  lastEntrySequence: number | null;
}

/** A recurring grant: issues a grant of `amount` at every boundary of its period, until cancelled or ended. */
export interface ScheduleState {
  id: string;
  amount: Amount;
  category: GrantCategory;
  priority: number;
  appliesTo: readonly string[];
  resetMaxRollover: Amount | null;
  resetMinRollover: Amount | null;
  /** ISO 8601 duration, e.g. P1M. */
  recurrencePeriod: string;
  /** Boundary 0: when the first grant became effective. */
  anchor: Instant;
  /** Grants issued so far; the next is issued at boundary `issuedCount`. */
  issuedCount: number;
  endsAt: Instant | null;
  cancelledAt: Instant | null;
}

export interface HoldAllocation {
  grantId: string;
  /** What this hold still holds on the grant. */
  amount: Amount;
}

export interface HoldState {
  id: string;
  amount: Amount;
  feature: string | null;
  expiresAt: Instant;
  status: HoldStatus;
  allocations: HoldAllocation[];
  capturedAmount: Amount;
  createdAt: Instant;
  endedAt: Instant | null;
  debitId: string | null;
}

export interface WalletState {
  id: string;
  overdraftLimit: Amount;
  /** Credit owed after overdraft debits; always >= 0. */
  overdraft: Amount;
  /** Sequence number of the last ledger entry (0 when there is none). */
  sequence: number;
  /** Net balance after the last entry: Σ entry.amount = available − overdraft. */
  balance: Amount;
  /** Σ entry.heldAmount. */
  held: Amount;
  grantCount: number;
  /**
   * Every time-driven event due by this instant has been booked. New entries are
   * never earlier (per-wallet time order); a replay as of a later time applies
   * what falls after it in memory.
   */
  advancedTo: Instant;
  /** The usage period (ISO 8601 duration) and its boundary 0; null when the wallet has none. */
  period: string | null;
  periodAnchor: Instant | null;
  /** Start of the current usage period, and what was used in it (debits, captures, overdraft). */
  periodStart: Instant | null;
  periodUsage: Amount;
}

/** The wallet with every grant and hold that can still change, and its recurring schedules. */
export interface WalletSnapshot {
  wallet: WalletState;
  grants: GrantState[];
  holds: HoldState[];
  schedules: ScheduleState[];
}

export interface LedgerEntryDraft {
  sequence: number;
  type: LedgerEntryType;
  grantId: string | null;
  debitId: string | null;
  holdId: string | null;
  /** Signed change to available credit (the grant's, or the overdraft bucket's when grantId is null). */
  amount: Amount;
  /** Signed change to held credit. */
  heldAmount: Amount;
  balanceAfter: Amount;
  heldAfter: Amount;
  effectiveAt: Instant;
}

export interface Allocation {
  grantId: string;
  amount: Amount;
}

export type DomainEvent =
  | { type: 'grant.created' | 'grant.updated' | 'grant.voided' | 'grant.expired'; grantId: string }
  | { type: 'debit.created'; debitId: string }
  | { type: 'grant_schedule.created' | 'grant_schedule.cancelled'; scheduleId: string }
  | { type: 'hold.created' | 'hold.captured' | 'hold.released' | 'hold.expired'; holdId: string };

import { amountFromDecimalString, type Amount } from './amount.ts';
import type { GrantState, Instant, LedgerEntryDraft, ScheduleState, WalletSnapshot, WalletState } from './types.ts';
import type { LedgerOptions } from './wallet-ledger.ts';
import { WalletTransaction, type NewGrant, type WalletTransactionResult } from './wallet-transaction.ts';

/** A fixed instant tests start from (2023-11-14T22:13:20Z); the domain never reads a clock. */
export const T0: Instant = 1_700_000_000_000;
export const SECOND = 1_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Credits from a decimal string or an integer count of whole credits: `credits('12.5')`, `credits(3)`. */
export function credits(value: string | number): Amount {
  return amountFromDecimalString(String(value));
}

/** A wallet with no grants, no holds, no entries and a zero balance. */
export function emptyWallet(overrides: Partial<WalletState> = {}): WalletSnapshot {
  return {
    wallet: {
      id: 'wallet_1',
      overdraftLimit: 0n,
      overdraft: 0n,
      sequence: 0,
      balance: 0n,
      held: 0n,
      grantCount: 0,
      advancedTo: 0,
      period: null,
      periodAnchor: null,
      periodStart: null,
      periodUsage: 0n,
      ...overrides,
    },
    grants: [],
    holds: [],
    schedules: [],
  };
}

/** A paid, unrestricted, never-expiring grant of 100 credits effective at T0. */
export function newGrant(overrides: Partial<NewGrant> = {}): NewGrant {
  return {
    id: 'grant_1',
    amount: credits('100'),
    category: 'paid',
    priority: 50,
    effectiveAt: T0,
    expiresAt: null,
    appliesTo: [],
    ...overrides,
  };
}

/** A grant as the engine stores it (active, untouched), for comparator tests. */
export function grantState(overrides: Partial<GrantState> = {}): GrantState {
  const amount = overrides.amount ?? credits('100');
  return {
    id: 'grant_1',
    amount,
    available: amount,
    held: 0n,
    consumed: 0n,
    expired: 0n,
    voided: 0n,
    category: 'paid',
    priority: 50,
    effectiveAt: T0,
    expiresAt: null,
    createdAt: T0,
    ordinal: 1,
    activatedAt: T0,
    expiredAt: null,
    voidedAt: null,
    paymentPending: false,
    paidAt: null,
    appliesTo: [],
    source: 'manual',
    scheduleId: null,
    resetMaxRollover: null,
    resetMinRollover: null,
    rolledOver: 0n,
    lastResetAt: null,
    firstEntrySequence: null,
    lastEntrySequence: null,
    ...overrides,
  };
}

/** An ISO 8601 UTC instant: `utc('2024-01-31T00:00:00Z')`. */
export function utc(text: string): Instant {
  const instant = Date.parse(text);
  if (Number.isNaN(instant)) throw new Error(`not an instant: ${text}`);
  return instant;
}

/** Deterministic IDs for grants a schedule issues: the k-th issue of schedule s is `s-k`. */
export const issuedGrantIdOf = (scheduleId: string, index: number): string => `${scheduleId}-${index}`;

/**
 * A wallet driven one transaction at a time, keeping every entry, as a store
 * would. A transaction that throws keeps nothing, like a rolled-back write.
 */
export class WalletDriver {
  snapshot: WalletSnapshot;
  readonly entries: LedgerEntryDraft[] = [];
  last: WalletTransactionResult | null = null;

  constructor(
    snapshot: WalletSnapshot = emptyWallet(),
    readonly options: LedgerOptions = {},
  ) {
    this.snapshot = snapshot;
  }

  at<T>(now: Instant, operate: (transaction: WalletTransaction) => T = () => undefined as T): T {
    const transaction = new WalletTransaction(this.snapshot, now, this.options);
    const value = operate(transaction);
    this.last = transaction.result();
    this.snapshot = this.last.snapshot;
    this.entries.push(...this.last.entries);
    return value;
  }

  grant(id: string): GrantState {
    const grant = this.snapshot.grants.find((candidate) => candidate.id === id);
    if (!grant) throw new Error(`no grant ${id}`);
    return grant;
  }

  schedule(id: string): ScheduleState {
    const schedule = this.snapshot.schedules.find((candidate) => candidate.id === id);
    if (!schedule) throw new Error(`no schedule ${id}`);
    return schedule;
  }

  parts(id: string): { amount: Amount; available: Amount; held: Amount; consumed: Amount; expired: Amount; voided: Amount } {
    const { amount, available, held, consumed, expired, voided } = this.grant(id);
    return { amount, available, held, consumed, expired, voided };
  }

  /** Entries booked at or after `from` (all when omitted). */
  entriesSince(from = Number.MIN_SAFE_INTEGER): LedgerEntryDraft[] {
    return this.entries.filter((entry) => entry.effectiveAt >= from);
  }
}

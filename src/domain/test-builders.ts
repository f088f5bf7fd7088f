import { amountFromDecimalString, type Amount } from './amount.ts';
import type { GrantState, Instant, WalletSnapshot, WalletState } from './types.ts';
import type { NewGrant } from './wallet-transaction.ts';

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
    appliesTo: [],
    source: 'manual',
    scheduleId: null,
    resetMaxRollover: null,
    resetMinRollover: null,
    rolledOver: 0n,
    lastResetAt: null,
    ...overrides,
  };
}

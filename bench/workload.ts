/**
 * The in-process debit workload, shared by creditbook and the raw baseline so
 * both do the same accounting: the same wallets, the same grants, and the same
 * sequence of (wallet, amount) debits.
 */

export const UNIT_CODE = 'credits';
export const UNIT_SCALE = 4;
export const WALLET_COUNT = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface GrantPlan {
  amount: string;
  category: 'paid' | 'promotional';
  priority: number;
  /** null: never expires. */
  expiresInDays: number | null;
}

/**
 * Burn order: the small priority-10 promotion goes first and runs out early
 * (so early debits span two grants), then the expiring promotion, then paid
 * credit that never expires, then a lower-priority paid grant.
 */
export const GRANTS_PER_WALLET: readonly GrantPlan[] = [
  { amount: '100', category: 'paid', priority: 50, expiresInDays: null },
  { amount: '25.5', category: 'promotional', priority: 10, expiresInDays: 30 },
  { amount: '1000000', category: 'paid', priority: 50, expiresInDays: null },
  { amount: '400', category: 'promotional', priority: 50, expiresInDays: 60 },
  { amount: '500000', category: 'paid', priority: 60, expiresInDays: null },
];

export function expiresAt(plan: GrantPlan, now: number): number | null {
  return plan.expiresInDays === null ? null : now + plan.expiresInDays * DAY_MS;
}

const DEBIT_AMOUNTS = ['0.25', '1', '1.5', '0.0125', '3.75', '2', '0.5', '7.125'] as const;
const PLAN_LENGTH = 1 << 16;

export interface PlannedDebit {
  wallet: number;
  amount: string;
}

/** mulberry32: a small deterministic PRNG, so every run debits the same sequence. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const plan: PlannedDebit[] = (() => {
  const random = prng(0xc0ffee);
  return Array.from({ length: PLAN_LENGTH }, () => ({
    wallet: Math.floor(random() * WALLET_COUNT),
    amount: DEBIT_AMOUNTS[Math.floor(random() * DEBIT_AMOUNTS.length)]!,
  }));
})();

export function plannedDebit(index: number): PlannedDebit {
  return plan[index & (PLAN_LENGTH - 1)]!;
}

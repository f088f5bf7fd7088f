import type { GrantState } from './types.ts';

/**
 * The burn order: which grant pays first. Debits and holds take from spendable
 * grants sorted by this comparator, in this precedence:
 *   1. priority ascending (0 burns first, 100 last);
 *   2. expiresAt ascending, never-expiring grants last (use what dies soonest);
 *   3. promotional before paid (spend the gift before the money);
 *   4. effectiveAt ascending;
 *   5. creation order within the wallet (ordinal), which is unique, so the order is total.
 */
export function compareBurnOrder(left: GrantState, right: GrantState): number {
  if (left.priority !== right.priority) return left.priority - right.priority;
  if (left.expiresAt !== right.expiresAt) {
    if (left.expiresAt === null) return 1;
    if (right.expiresAt === null) return -1;
    return left.expiresAt - right.expiresAt;
  }
  if (left.category !== right.category) return left.category === 'promotional' ? -1 : 1;
  if (left.effectiveAt !== right.effectiveAt) return left.effectiveAt - right.effectiveAt;
  return left.ordinal - right.ordinal;
}

export function sortInBurnOrder(grants: readonly GrantState[]): GrantState[] {
  return [...grants].sort(compareBurnOrder);
}

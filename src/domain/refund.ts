import { formatAmount, type Amount } from './amount.ts';
import { stateConflict } from './errors.ts';
import { moneyOfOutflow, type CostBasis } from './revenue-allocation.ts';
import type { WalletLedger } from './wallet-ledger.ts';

export interface RefundedCredits {
  credits: Amount;
  /** Money at cost basis, by the cumulative method (revenue-allocation.ts). */
  money: bigint;
  /** The sequence of the void entry booked for it. */
  sequence: number;
}

/**
 * Voids `requested` (default: all) of a grant's unused credit now, for a refund
 * (docs/finance.md#refunds). Only what is available: consumed credit and credit
 * a hold still holds are never refunded. The grant is not voided as a whole (it
 * keeps what is held, and spends it or gets it back). Its money is the outflow's
 * share by the cumulative method, after every credit that left the grant before.
 */
export function refundUnusedCredits(ledger: WalletLedger, input: { grantId: string; requested: Amount | null; basis: CostBasis }): RefundedCredits {
  const grant = ledger.grant(input.grantId);
  if (grant.activatedAt === null) {
    // Its credits are not in the ledger yet, so there is no entry a refund's void could reverse.
    throw stateConflict(
      `Grant '${grant.id}' is not effective yet (effective at ${new Date(grant.effectiveAt).toISOString()}); refund it from then on, or void the grant (POST /v1/grants/${grant.id}/void) to cancel it without a credit note.`,
    );
  }
  const unused = grant.available;
  if (unused === 0n) throw stateConflict(`Nothing of grant '${grant.id}' is unused: there is nothing to refund.`);
  const credits = input.requested ?? unused;
  if (credits > unused) {
    throw stateConflict(`Only ${formatAmount(unused)} credits of grant '${grant.id}' are unused (neither consumed nor held); that is the most a refund can take.`);
  }
  const leftBefore = grant.consumed + grant.expired + grant.voided;
  grant.available -= credits;
  grant.voided += credits;
  ledger.book('void', grant.id, -credits, 0n, ledger.now);
  ledger.changedGrant(grant);
  ledger.emit({ type: 'grant.updated', grantId: grant.id });
  return { credits, money: moneyOfOutflow(input.basis, leftBefore, credits), sequence: ledger.state.wallet.sequence };
}

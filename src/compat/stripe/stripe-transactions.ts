import type { Amount } from '../../domain/amount.ts';
import type { LedgerEntryRecord } from '../../store/records.ts';

export interface StripeTransactionKind {
  type: 'credit' | 'debit';
  /** `credit.type` or `debit.type`. */
  detail: 'credits_granted' | 'credits_applied' | 'credits_expired' | 'credits_voided';
  /** Positive minor-unit amount of the transaction. */
  amount: Amount;
}

/**
 * Which ledger entries are Stripe credit balance transactions, and as what.
 * Stripe's transactions move a grant's ledger balance (available + held), so:
 *
 * | entry          | transaction                                  |
 * |----------------|----------------------------------------------|
 * | grant          | credit  `credits_granted`                    |
 * | debit, capture | debit   `credits_applied` (capture: the held part consumed) |
 * | repayment      | debit   `credits_applied` (the grant pays back an earlier overdraft) |
 * | expiry         | debit   `credits_expired`                    |
 * | void           | debit   `credits_voided`                     |
 * | adjustment     | credit or debit by its sign                  |
 *
 * Not shown: `hold` and `release` (credit moves between available and held; the
 * ledger balance is unchanged) and entries without a grant (the overdraft
 * bucket), since every Stripe transaction names its credit grant. Summed per
 * grant, the shown amounts equal the grant's available + held.
 */
export function stripeTransactionKind(entry: LedgerEntryRecord): StripeTransactionKind | undefined {
  if (entry.grantId === null) return undefined;
  const taken = -entry.amount;
  switch (entry.type) {
    case 'grant':
      return { type: 'credit', detail: 'credits_granted', amount: entry.amount };
    case 'debit':
    case 'repayment':
      return { type: 'debit', detail: 'credits_applied', amount: taken };
    case 'capture':
      return { type: 'debit', detail: 'credits_applied', amount: -entry.heldAmount };
    case 'expiry':
      return { type: 'debit', detail: 'credits_expired', amount: taken };
    case 'void':
      return { type: 'debit', detail: 'credits_voided', amount: taken };
    case 'adjustment':
      if (entry.amount === 0n) return undefined;
      return entry.amount > 0n ? { type: 'credit', detail: 'credits_granted', amount: entry.amount } : { type: 'debit', detail: 'credits_applied', amount: taken };
    case 'hold':
    case 'release':
    case 'overdraft':
      return undefined;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sumAmounts, type Amount } from './amount.ts';
import { credits, emptyWallet, HOUR, newGrant, T0 } from './test-builders.ts';
import type { InsufficientPolicy, LedgerEntryDraft, WalletSnapshot } from './types.ts';
import { bookUsage } from './usage-booking.ts';
import { verifyDebits, type RecordedDebit } from './verify-debits.ts';
import { WalletTransaction } from './wallet-transaction.ts';

/** A wallet driven one transaction at a time, keeping its entries and the debits it booked as a store would record them. */
class DebitedWallet {
  snapshot: WalletSnapshot;
  readonly entries: LedgerEntryDraft[] = [];
  readonly debits: RecordedDebit[] = [];

  constructor(overdraftLimit = '0') {
    this.snapshot = emptyWallet({ overdraftLimit: credits(overdraftLimit) });
    this.at(T0, (transaction) => {
      transaction.addGrant(newGrant({ id: 'g1', amount: credits('30'), priority: 10 }));
      transaction.addGrant(newGrant({ id: 'g2', amount: credits('50'), priority: 20 }));
    });
  }

  at<T>(now: number, operate: (transaction: WalletTransaction) => T): T | undefined {
    const transaction = new WalletTransaction(this.snapshot, now);
    let value: T;
    try {
      value = operate(transaction);
    } catch {
      return undefined; // refused: nothing kept, as a rolled-back write
    }
    const result = transaction.result();
    this.snapshot = result.snapshot;
    this.entries.push(...result.entries);
    return value;
  }

  debit(id: string, amount: string, policy: InsufficientPolicy, now = T0 + HOUR): void {
    const outcome = this.at(now, (transaction) => transaction.debit({ debitId: id, amount: credits(amount), feature: null, policy }));
    if (!outcome) return;
    const consumed = sumAmounts(outcome.allocations.map((allocation) => allocation.amount));
    this.debits.push({ id, amount: credits(amount), consumed, overdrawn: outcome.overdrawn, shortfall: outcome.shortfall, allocations: outcome.allocations });
  }

  holdAndCapture(holdId: string, debitId: string, held: string, captured: string): void {
    this.at(T0 + HOUR, (transaction) => transaction.placeHold({ holdId, amount: credits(held), feature: null, expiresAt: T0 + 2 * HOUR }));
    const outcome = this.at(T0 + HOUR, (transaction) => transaction.capture({ holdId, debitId, amount: credits(captured) }));
    if (!outcome) return;
    const consumed = sumAmounts(outcome.allocations.map((allocation) => allocation.amount));
    this.debits.push({ id: debitId, amount: consumed, consumed, overdrawn: 0n, shortfall: 0n, allocations: outcome.allocations });
  }

  usage(holdId: string | null, debitId: string, cost: string): void {
    const booking = this.at(T0 + HOUR, (transaction) => bookUsage(transaction, { debitId, cost: credits(cost), feature: 'api', reservationId: holdId }));
    if (!booking) return;
    const consumed = sumAmounts(booking.allocations.map((allocation) => allocation.amount));
    this.debits.push({ id: debitId, amount: credits(cost), consumed, overdrawn: booking.overdrawn, shortfall: booking.shortfall, allocations: booking.allocations });
  }

  problems(debits: readonly RecordedDebit[] = this.debits, entries: readonly LedgerEntryDraft[] = this.entries): string[] {
    return verifyDebits('wallet_1', debits, entries);
  }
}

/** Every kind of debit the engine books, over two grants and an overdraft. */
function everyKind(): DebitedWallet {
  const wallet = new DebitedWallet('10');
  wallet.debit('d_across', '40', 'reject'); // takes g1 whole and 10 of g2
  wallet.holdAndCapture('h1', 'd_capture', '15', '12');
  wallet.debit('d_overdraft', '30', 'overdraft'); // 28 left on g2, 2 overdrawn
  wallet.debit('d_nothing', '5', 'partial'); // nothing left: books no entry
  wallet.usage(null, 'd_usage', '20'); // 8 more overdraft room, 12 shortfall
  return wallet;
}

const withDebit = (debits: readonly RecordedDebit[], id: string, change: Partial<RecordedDebit>): RecordedDebit[] =>
  debits.map((debit) => (debit.id === id ? Object.assign({}, debit, change) : debit));

describe('verifyDebits', () => {
  it('finds nothing wrong with what the engine booked, captures, overdrafts, usage and a debit that took nothing among them', () => {
    const wallet = everyKind();
    assert.deepEqual(
      wallet.debits.map((debit) => debit.id),
      ['d_across', 'd_capture', 'd_overdraft', 'd_nothing', 'd_usage'],
    );
    assert.ok(!wallet.entries.some((entry) => entry.debitId === 'd_nothing'), 'a debit that took nothing names no entry');
    assert.deepEqual(wallet.problems(), []);
  });

  it('names a debit whose consumed, allocations or overdrawn the ledger does not bear out', () => {
    const wallet = everyKind();
    const consumed = wallet.problems(withDebit(wallet.debits, 'd_across', { consumed: credits('39'), shortfall: credits('1') }));
    assert.deepEqual(consumed, ['debit d_across: allocations sum to 40, consumed is 39']);
    const allocation = wallet.problems(withDebit(wallet.debits, 'd_across', { allocations: [{ grantId: 'g1', amount: credits('31') }, { grantId: 'g2', amount: credits('9') }] }));
    assert.deepEqual(allocation, ['debit d_across: allocation on g1 31 != 30 in its entries', 'debit d_across: allocation on g2 9 != 10 in its entries']);
    const overdrawn = wallet.problems(withDebit(wallet.debits, 'd_overdraft', { overdrawn: credits('3'), shortfall: credits('-1') }));
    assert.deepEqual(overdrawn, ['debit d_overdraft: overdrawn 3 != 2 in its overdraft entries']);
  });

  it('names a debit whose parts do not add up to its amount', () => {
    const wallet = everyKind();
    assert.deepEqual(wallet.problems(withDebit(wallet.debits, 'd_nothing', { shortfall: credits('4') })), [
      'debit d_nothing: consumed + overdrawn + shortfall is 4, amount is 5',
    ]);
  });

  it('names entries of a debit the wallet does not have, and a debit with no entries that says it took credit', () => {
    const wallet = everyKind();
    const missing = wallet.problems(wallet.debits.filter((debit) => debit.id !== 'd_capture'));
    assert.deepEqual(missing, ["wallet wallet_1: entries name debit d_capture, which is not one of the wallet's debits"]);
    const capture = wallet.debits.find((debit) => debit.id === 'd_capture')!;
    const unbooked = wallet.problems(wallet.debits, wallet.entries.filter((entry) => entry.debitId !== 'd_capture'));
    assert.deepEqual(unbooked, [`debit d_capture: allocation on ${capture.allocations[0]!.grantId} 12 != 0 in its entries`]);
  });

  it('names an entry that takes from a grant the debit has no allocation on', () => {
    const wallet = everyKind();
    const entries = wallet.entries.map((entry) => (entry.debitId === 'd_usage' && entry.type === 'overdraft' ? Object.assign({}, entry, { type: 'debit' as const, grantId: 'g9' }) : entry));
    assert.deepEqual(wallet.problems(wallet.debits, entries), [
      'debit d_usage: overdrawn 8 != 0 in its overdraft entries',
      'debit d_usage: its entries take 8 from g9, which it has no allocation on',
    ]);
  });

  it('ties out whatever debits, captures and usage the engine books (property)', () => {
    const policies: InsufficientPolicy[] = ['reject', 'partial', 'overdraft'];
    const step = fc.oneof(
      fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 4000 }), policy: fc.constantFrom(...policies) }),
      fc.record({ kind: fc.constant('capture' as const), held: fc.integer({ min: 1, max: 2000 }), captured: fc.integer({ min: 1, max: 2000 }) }),
      fc.record({ kind: fc.constant('usage' as const), cost: fc.integer({ min: 1, max: 3000 }), reserve: fc.integer({ min: 0, max: 1500 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.integer({ min: 0, max: 2000 }), (steps, overdraftCents) => {
        const wallet = new DebitedWallet(centsText(overdraftCents));
        steps.forEach((next, index) => {
          if (next.kind === 'debit') wallet.debit(`d${index}`, centsText(next.amount), next.policy);
          else if (next.kind === 'capture') wallet.holdAndCapture(`h${index}`, `d${index}`, centsText(next.held), centsText(Math.min(next.held, next.captured)));
          else {
            const reserved = next.reserve > 0 && wallet.at(T0 + HOUR, (transaction) => transaction.placeHold({ holdId: `r${index}`, amount: credits(centsText(next.reserve)), feature: null, expiresAt: T0 + 2 * HOUR }));
            wallet.usage(reserved ? `r${index}` : null, `d${index}`, centsText(next.cost));
          }
        });
        assert.deepEqual(wallet.problems(), []);
      }),
      { numRuns: 200 },
    );
  });
});

function centsText(cents: number): string {
  const amount: Amount = BigInt(cents);
  return `${amount / 100n}.${String(amount % 100n).padStart(2, '0')}`;
}

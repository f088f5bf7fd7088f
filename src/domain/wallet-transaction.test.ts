import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Amount } from './amount.ts';
import { computeBalance } from './balance.ts';
import { CreditbookError, type ErrorCode } from './errors.ts';
import { grantStatus } from './grant-status.ts';
import { credits, DAY, emptyWallet, HOUR, newGrant, T0 } from './test-builders.ts';
import type { LedgerEntryDraft, LedgerEntryType, WalletSnapshot } from './types.ts';
import { verifyWallet } from './verify-wallet.ts';
import { WalletTransaction, type WalletTransactionResult } from './wallet-transaction.ts';

/** A wallet driven one transaction at a time, keeping every entry, as a store would. */
class Wallet {
  snapshot: WalletSnapshot;
  readonly entries: LedgerEntryDraft[] = [];
  last: WalletTransactionResult | null = null;

  constructor(snapshot: WalletSnapshot = emptyWallet()) {
    this.snapshot = snapshot;
  }

  /** Runs one transaction at `now`; on a throw nothing is kept, like a rolled-back write. */
  at<T>(now: number, operate: (transaction: WalletTransaction) => T = () => undefined as T): T {
    const transaction = new WalletTransaction(this.snapshot, now);
    const value = operate(transaction);
    this.last = transaction.result();
    this.snapshot = this.last.snapshot;
    this.entries.push(...this.last.entries);
    return value;
  }

  grant(id: string) {
    const grant = this.snapshot.grants.find((candidate) => candidate.id === id);
    assert.ok(grant, `no grant ${id}`);
    return grant;
  }

  hold(id: string) {
    const hold = this.snapshot.holds.find((candidate) => candidate.id === id);
    assert.ok(hold, `no hold ${id}`);
    return hold;
  }

  parts(id: string) {
    const { available, held, consumed, expired, voided } = this.grant(id);
    return { available, held, consumed, expired, voided };
  }

  assertConsistent(): void {
    assert.deepEqual(verifyWallet(this.snapshot, this.entries), []);
  }
}

interface EntrySummary {
  type: LedgerEntryType;
  grantId: string | null;
  amount: Amount;
  heldAmount?: Amount;
  balanceAfter?: Amount;
  effectiveAt?: number;
}

/** Compares entries on the fields given in `expected` (type, grantId and amount always). */
function assertEntries(actual: LedgerEntryDraft[], expected: EntrySummary[]): void {
  const picked = actual.map((entry, index) => {
    const want = expected[index];
    const summary: EntrySummary = { type: entry.type, grantId: entry.grantId, amount: entry.amount };
    if (want?.heldAmount !== undefined) summary.heldAmount = entry.heldAmount;
    if (want?.balanceAfter !== undefined) summary.balanceAfter = entry.balanceAfter;
    if (want?.effectiveAt !== undefined) summary.effectiveAt = entry.effectiveAt;
    return summary;
  });
  assert.deepEqual(picked, expected);
}

function assertCreditbookError(run: () => unknown, code: ErrorCode, check: (error: CreditbookError) => void = () => {}): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CreditbookError, `expected a CreditbookError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check(error);
    return true;
  });
}

function parts(available: string, held: string, consumed: string, expired: string, voided: string) {
  return { available: credits(available), held: credits(held), consumed: credits(consumed), expired: credits(expired), voided: credits(voided) };
}

describe('WalletTransaction: grants', () => {
  it('books an immediate grant at once', () => {
    const wallet = new Wallet();
    const grant = wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('100') })));
    assert.equal(grant.activatedAt, T0);
    assert.equal(grant.createdAt, T0);
    assert.equal(grant.ordinal, 1);
    assert.equal(wallet.entries.length, 1);
    assert.deepEqual(wallet.entries[0], {
      sequence: 1,
      type: 'grant',
      grantId: 'g1',
      debitId: null,
      holdId: null,
      amount: credits('100'),
      heldAmount: 0n,
      balanceAfter: credits('100'),
      heldAfter: 0n,
      effectiveAt: T0,
    });
    assert.deepEqual(wallet.last?.events, [{ type: 'grant.created', grantId: 'g1' }]);
    assert.deepEqual([...(wallet.last?.changedGrantIds ?? [])], ['g1']);
    assert.equal(wallet.snapshot.wallet.balance, credits('100'));
    assert.equal(wallet.snapshot.wallet.sequence, 1);
    assert.equal(wallet.snapshot.wallet.grantCount, 1);
    assert.equal(computeBalance(wallet.snapshot, T0).available, credits('100'));
    wallet.assertConsistent();
  });

  it('books a backdated grant when it is created: backdating never rewrites history', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', effectiveAt: T0 - DAY })));
    assertEntries(wallet.entries, [{ type: 'grant', grantId: 'g1', amount: credits('100'), effectiveAt: T0 }]);
    assert.equal(wallet.grant('g1').activatedAt, T0);
  });

  it('books a scheduled grant at exactly effectiveAt, however late the wallet is advanced', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('40'), effectiveAt: T0 + DAY })));
    assert.equal(wallet.entries.length, 0);
    assert.equal(wallet.grant('g1').activatedAt, null);
    assert.equal(grantStatus(wallet.grant('g1'), T0), 'scheduled');
    const before = computeBalance(wallet.snapshot, T0 + DAY - 1);
    assert.equal(before.available, 0n);
    assert.equal(before.scheduled, credits('40'));
    // Not spendable before it is effective.
    assertCreditbookError(() => wallet.at(T0 + HOUR, (tx) => tx.debit({ debitId: 'd1', amount: credits('1'), feature: null, policy: 'reject' })), 'insufficient_balance');

    wallet.at(T0 + 10 * DAY);
    assertEntries(wallet.entries, [{ type: 'grant', grantId: 'g1', amount: credits('40'), balanceAfter: credits('40'), effectiveAt: T0 + DAY }]);
    assert.equal(wallet.grant('g1').activatedAt, T0 + DAY);
    const after = computeBalance(wallet.snapshot, T0 + 10 * DAY);
    assert.equal(after.available, credits('40'));
    assert.equal(after.scheduled, 0n);
    wallet.assertConsistent();
  });

  it('advanceTo books activation at effectiveAt and nothing before it', () => {
    const transaction = new WalletTransaction(emptyWallet(), T0);
    transaction.addGrant(newGrant({ id: 'g1', effectiveAt: T0 + HOUR }));
    transaction.advanceTo(T0 + HOUR - 1);
    assert.equal(transaction.result().entries.length, 0);
    transaction.advanceTo(T0 + 5 * HOUR);
    assertEntries(transaction.result().entries, [{ type: 'grant', grantId: 'g1', amount: credits('100'), effectiveAt: T0 + HOUR }]);
  });

  it('rejects an expiresAt not later than effectiveAt and now', () => {
    const wallet = new Wallet();
    for (const input of [
      newGrant({ effectiveAt: T0 + HOUR, expiresAt: T0 + HOUR }),
      newGrant({ effectiveAt: T0 + HOUR, expiresAt: T0 + 1 }),
      newGrant({ effectiveAt: T0 - DAY, expiresAt: T0 }),
    ]) {
      assertCreditbookError(() => wallet.at(T0, (tx) => tx.addGrant(input)), 'validation_error', (error) => assert.equal(error.param, 'expiresAt'));
    }
    assert.equal(wallet.snapshot.grants.length, 0);
  });

  it('refuses a grant that would take what the wallet holds past 25 digits, counting held credit and grants yet to start', () => {
    const largest = credits('9'.repeat(25));
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: largest - credits('10') })));
    wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('4'), feature: null, expiresAt: T0 + DAY }));
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g2', amount: credits('5'), effectiveAt: T0 + HOUR })));
    const before = structuredClone(wallet.snapshot);
    for (const amount of [credits('6'), credits('100')]) {
      assertCreditbookError(() => wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g3', amount }))), 'validation_error', (error) => assert.equal(error.param, 'amount'));
    }
    assert.deepEqual(wallet.snapshot, before);
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g3', amount: credits('5') })));
    assert.equal(wallet.snapshot.wallet.balance + wallet.snapshot.wallet.held + wallet.grant('g2').available, largest);
  });
});

describe('WalletTransaction: debits', () => {
  it('takes from grants in burn order and records who paid what', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'late', amount: credits('50'), priority: 60 }));
      tx.addGrant(newGrant({ id: 'early', amount: credits('30'), priority: 10 }));
    });
    const outcome = wallet.at(T0 + 1, (tx) => tx.debit({ debitId: 'd1', amount: credits('45.5'), feature: null, policy: 'reject' }));
    assert.deepEqual(outcome, {
      debitId: 'd1',
      requested: credits('45.5'),
      allocations: [
        { grantId: 'early', amount: credits('30') },
        { grantId: 'late', amount: credits('15.5') },
      ],
      overdrawn: 0n,
      shortfall: 0n,
    });
    assertEntries(wallet.last!.entries, [
      { type: 'debit', grantId: 'early', amount: credits('-30'), heldAmount: 0n, balanceAfter: credits('50'), effectiveAt: T0 + 1 },
      { type: 'debit', grantId: 'late', amount: credits('-15.5'), heldAmount: 0n, balanceAfter: credits('34.5'), effectiveAt: T0 + 1 },
    ]);
    assert.deepEqual(
      wallet.last!.entries.map((entry) => [entry.sequence, entry.debitId]),
      [
        [3, 'd1'],
        [4, 'd1'],
      ],
    );
    assert.deepEqual(wallet.parts('early'), parts('0', '0', '30', '0', '0'));
    assert.deepEqual(wallet.parts('late'), parts('34.5', '0', '15.5', '0', '0'));
    assert.deepEqual(wallet.last!.events, [{ type: 'debit.created', debitId: 'd1' }]);
    wallet.assertConsistent();
  });

  it('reject: throws insufficient_balance naming the available amount, and changes nothing', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('100') })));
    const before = structuredClone(wallet.snapshot);
    const transaction = new WalletTransaction(wallet.snapshot, T0 + 1);
    assertCreditbookError(
      () => transaction.debit({ debitId: 'd1', amount: credits('150'), feature: null, policy: 'reject' }),
      'insufficient_balance',
      (error) => {
        assert.deepEqual(error.details, { available: '100', requested: '150', overdraftRoom: '0' });
        assert.match(error.message, /150 requested, 100 available/);
      },
    );
    assert.deepEqual(transaction.result().entries, []);
    assert.deepEqual(transaction.result().snapshot.grants, before.grants);
    assert.deepEqual(wallet.snapshot, before);
    // A debit that fits still succeeds afterwards.
    wallet.at(T0 + 2, (tx) => tx.debit({ debitId: 'd2', amount: credits('100'), feature: null, policy: 'reject' }));
    assert.equal(wallet.snapshot.wallet.balance, 0n);
  });

  it('never mutates the input snapshot, even on success', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1' })));
    const input = wallet.snapshot;
    const before = structuredClone(input);
    const transaction = new WalletTransaction(input, T0 + 1);
    transaction.debit({ debitId: 'd1', amount: credits('10'), feature: null, policy: 'reject' });
    transaction.placeHold({ holdId: 'h1', amount: credits('10'), feature: null, expiresAt: T0 + DAY });
    transaction.voidGrant('g1');
    assert.deepEqual(input, before);
    assert.notEqual(transaction.result().snapshot, input);
  });

  it('partial: takes what exists and reports the shortfall', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('100') })));
    const outcome = wallet.at(T0, (tx) => tx.debit({ debitId: 'd1', amount: credits('150'), feature: null, policy: 'partial' }));
    assert.deepEqual(outcome.allocations, [{ grantId: 'g1', amount: credits('100') }]);
    assert.equal(outcome.shortfall, credits('50'));
    assert.equal(outcome.overdrawn, 0n);
    assertEntries(wallet.last!.entries, [{ type: 'debit', grantId: 'g1', amount: credits('-100'), balanceAfter: 0n }]);
    assert.equal(wallet.snapshot.wallet.overdraft, 0n);

    const nothing = wallet.at(T0, (tx) => tx.debit({ debitId: 'd2', amount: credits('5'), feature: null, policy: 'partial' }));
    assert.deepEqual(nothing.allocations, []);
    assert.equal(nothing.shortfall, credits('5'));
    assert.deepEqual(wallet.last!.entries, []);
    wallet.assertConsistent();
  });

  it('overdraft: goes negative up to the limit, rejects beyond it, and a later unrestricted grant repays first', () => {
    const wallet = new Wallet(emptyWallet({ overdraftLimit: credits('50') }));
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('100') })));
    const outcome = wallet.at(T0 + 1, (tx) => tx.debit({ debitId: 'd1', amount: credits('140'), feature: null, policy: 'overdraft' }));
    assert.deepEqual(outcome.allocations, [{ grantId: 'g1', amount: credits('100') }]);
    assert.equal(outcome.overdrawn, credits('40'));
    assert.equal(outcome.shortfall, 0n);
    assertEntries(wallet.last!.entries, [
      { type: 'debit', grantId: 'g1', amount: credits('-100'), balanceAfter: 0n },
      { type: 'overdraft', grantId: null, amount: credits('-40'), heldAmount: 0n, balanceAfter: credits('-40') },
    ]);
    assert.equal(wallet.last!.entries[1]?.debitId, 'd1');
    assert.equal(wallet.snapshot.wallet.overdraft, credits('40'));
    const balance = computeBalance(wallet.snapshot, T0 + 1);
    assert.deepEqual([balance.available, balance.overdraft, balance.net], [0n, credits('40'), credits('-40')]);

    // Room left is 10: 11 is refused, whatever the policy's name, and nothing is written.
    assertCreditbookError(
      () => wallet.at(T0 + 2, (tx) => tx.debit({ debitId: 'd2', amount: credits('11'), feature: null, policy: 'overdraft' })),
      'insufficient_balance',
      (error) => assert.deepEqual(error.details, { available: '0', requested: '11', overdraftRoom: '10' }),
    );
    assert.equal(wallet.snapshot.wallet.overdraft, credits('40'));
    wallet.at(T0 + 2, (tx) => tx.debit({ debitId: 'd3', amount: credits('10'), feature: null, policy: 'overdraft' }));
    assert.equal(wallet.snapshot.wallet.overdraft, credits('50'));
    assert.equal(wallet.snapshot.wallet.balance, credits('-50'));

    // A grant restricted to a feature does not repay general debt.
    wallet.at(T0 + 3, (tx) => tx.addGrant(newGrant({ id: 'chat-only', amount: credits('30'), appliesTo: ['chat'] })));
    assertEntries(wallet.last!.entries, [{ type: 'grant', grantId: 'chat-only', amount: credits('30') }]);
    assert.equal(wallet.snapshot.wallet.overdraft, credits('50'));

    // An unrestricted grant pays back the overdraft first: two repayment entries that net to zero.
    wallet.at(T0 + 4, (tx) => tx.addGrant(newGrant({ id: 'g2', amount: credits('80') })));
    assertEntries(wallet.last!.entries, [
      { type: 'grant', grantId: 'g2', amount: credits('80'), balanceAfter: credits('60'), effectiveAt: T0 + 4 },
      { type: 'repayment', grantId: 'g2', amount: credits('-50'), balanceAfter: credits('10'), effectiveAt: T0 + 4 },
      { type: 'repayment', grantId: null, amount: credits('50'), balanceAfter: credits('60'), effectiveAt: T0 + 4 },
    ]);
    assert.deepEqual(wallet.parts('g2'), parts('30', '0', '50', '0', '0'));
    assert.equal(wallet.snapshot.wallet.overdraft, 0n);
    const after = computeBalance(wallet.snapshot, T0 + 4);
    assert.deepEqual([after.available, after.overdraft, after.net], [credits('60'), 0n, credits('60')]);
    wallet.assertConsistent();
  });

  it('overdraft without a limit behaves like reject', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('5') })));
    assertCreditbookError(() => wallet.at(T0, (tx) => tx.debit({ debitId: 'd1', amount: credits('6'), feature: null, policy: 'overdraft' })), 'insufficient_balance');
    assert.equal(wallet.grant('g1').available, credits('5'));
  });

  it('a scheduled grant repays the overdraft when it activates, at effectiveAt', () => {
    const wallet = new Wallet(emptyWallet({ overdraftLimit: credits('20') }));
    wallet.at(T0, (tx) => {
      tx.debit({ debitId: 'd1', amount: credits('15'), feature: null, policy: 'overdraft' });
      tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), effectiveAt: T0 + HOUR }));
    });
    wallet.at(T0 + DAY);
    assertEntries(wallet.last!.entries, [
      { type: 'grant', grantId: 'g1', amount: credits('10'), effectiveAt: T0 + HOUR },
      { type: 'repayment', grantId: 'g1', amount: credits('-10'), effectiveAt: T0 + HOUR },
      { type: 'repayment', grantId: null, amount: credits('10'), effectiveAt: T0 + HOUR },
    ]);
    assert.equal(wallet.snapshot.wallet.overdraft, credits('5'));
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '10', '0', '0'));
    wallet.assertConsistent();
  });

  it('takes only from grants that apply to the feature (empty appliesTo means all)', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'chat', amount: credits('50'), priority: 0, appliesTo: ['chat'] }));
      tx.addGrant(newGrant({ id: 'any', amount: credits('50'), priority: 50 }));
    });
    // Without a feature, a restricted grant does not pay.
    assertCreditbookError(
      () => wallet.at(T0, (tx) => tx.debit({ debitId: 'd0', amount: credits('60'), feature: null, policy: 'reject' })),
      'insufficient_balance',
      (error) => assert.equal(error.details?.['available'], '50'),
    );
    const image = wallet.at(T0, (tx) => tx.debit({ debitId: 'd1', amount: credits('20'), feature: 'image', policy: 'reject' }));
    assert.deepEqual(image.allocations, [{ grantId: 'any', amount: credits('20') }]);
    const chat = wallet.at(T0, (tx) => tx.debit({ debitId: 'd2', amount: credits('60'), feature: 'chat', policy: 'reject' }));
    assert.deepEqual(chat.allocations, [
      { grantId: 'chat', amount: credits('50') },
      { grantId: 'any', amount: credits('10') },
    ]);
    // The balance read counts restricted grants too.
    assert.equal(computeBalance(wallet.snapshot, T0).available, credits('20'));
    wallet.assertConsistent();
  });
});

describe('WalletTransaction: holds', () => {
  function walletWithTwoGrants(): Wallet {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'a', amount: credits('60'), priority: 0 }));
      tx.addGrant(newGrant({ id: 'b', amount: credits('100'), priority: 1 }));
    });
    return wallet;
  }

  it('reserves credits in burn order; held credits are not available to debits', () => {
    const wallet = walletWithTwoGrants();
    const hold = wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('80'), feature: null, expiresAt: T0 + HOUR }));
    assert.deepEqual(hold.allocations, [
      { grantId: 'a', amount: credits('60') },
      { grantId: 'b', amount: credits('20') },
    ]);
    assert.equal(hold.status, 'active');
    assertEntries(wallet.last!.entries, [
      { type: 'hold', grantId: 'a', amount: credits('-60'), heldAmount: credits('60'), balanceAfter: credits('100') },
      { type: 'hold', grantId: 'b', amount: credits('-20'), heldAmount: credits('20'), balanceAfter: credits('80') },
    ]);
    assert.deepEqual(
      wallet.last!.entries.map((entry) => [entry.holdId, entry.heldAfter]),
      [
        ['h1', credits('60')],
        ['h1', credits('80')],
      ],
    );
    const balance = computeBalance(wallet.snapshot, T0);
    assert.deepEqual([balance.available, balance.held], [credits('80'), credits('80')]);
    assertCreditbookError(() => wallet.at(T0, (tx) => tx.debit({ debitId: 'd1', amount: credits('81'), feature: null, policy: 'reject' })), 'insufficient_balance');
    assertCreditbookError(() => wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h2', amount: credits('81'), feature: null, expiresAt: T0 + HOUR })), 'insufficient_balance');
    assertCreditbookError(
      () => wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h2', amount: credits('1'), feature: null, expiresAt: T0 })),
      'validation_error',
      (error) => assert.equal(error.param, 'expiresAt'),
    );
    wallet.assertConsistent();
  });

  it('a partial capture becomes a debit in hold order and releases the rest', () => {
    const wallet = walletWithTwoGrants();
    wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('80'), feature: null, expiresAt: T0 + HOUR }));
    const captured = wallet.at(T0 + 1, (tx) => tx.capture({ holdId: 'h1', debitId: 'd1', amount: credits('70') }));
    assert.deepEqual(captured.allocations, [
      { grantId: 'a', amount: credits('60') },
      { grantId: 'b', amount: credits('10') },
    ]);
    assert.equal(captured.hold.status, 'captured');
    assert.equal(captured.hold.capturedAmount, credits('70'));
    assert.equal(captured.hold.debitId, 'd1');
    assert.equal(captured.hold.endedAt, T0 + 1);
    assertEntries(wallet.last!.entries, [
      { type: 'capture', grantId: 'a', amount: 0n, heldAmount: credits('-60'), balanceAfter: credits('80'), effectiveAt: T0 + 1 },
      { type: 'capture', grantId: 'b', amount: 0n, heldAmount: credits('-10'), balanceAfter: credits('80'), effectiveAt: T0 + 1 },
      { type: 'release', grantId: 'b', amount: credits('10'), heldAmount: credits('-10'), balanceAfter: credits('90'), effectiveAt: T0 + 1 },
    ]);
    assert.deepEqual(
      wallet.last!.entries.map((entry) => [entry.holdId, entry.debitId]),
      [
        ['h1', 'd1'],
        ['h1', 'd1'],
        ['h1', null],
      ],
    );
    assert.deepEqual(wallet.parts('a'), parts('0', '0', '60', '0', '0'));
    assert.deepEqual(wallet.parts('b'), parts('90', '0', '10', '0', '0'));
    assert.equal(wallet.snapshot.wallet.held, 0n);
    assert.deepEqual(wallet.last!.events, [{ type: 'hold.captured', holdId: 'h1' }]);
    // The hold is over: it cannot be captured or released again.
    assertCreditbookError(() => wallet.at(T0 + 2, (tx) => tx.capture({ holdId: 'h1', debitId: 'd2', amount: null })), 'state_conflict');
    assertCreditbookError(() => wallet.at(T0 + 2, (tx) => tx.release('h1')), 'state_conflict');
    wallet.assertConsistent();
  });

  it('capture without an amount takes it all; more than held is a validation error', () => {
    const wallet = walletWithTwoGrants();
    wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('70'), feature: null, expiresAt: T0 + HOUR }));
    assertCreditbookError(
      () => wallet.at(T0, (tx) => tx.capture({ holdId: 'h1', debitId: 'd1', amount: credits('70.0000000001') })),
      'validation_error',
      (error) => assert.equal(error.param, 'amount'),
    );
    const captured = wallet.at(T0, (tx) => tx.capture({ holdId: 'h1', debitId: 'd1', amount: null }));
    assert.equal(captured.hold.capturedAmount, credits('70'));
    assert.deepEqual(
      wallet.last!.entries.map((entry) => entry.type),
      ['capture', 'capture'],
    );
    assert.deepEqual(wallet.parts('b'), parts('90', '0', '10', '0', '0'));
    assertCreditbookError(() => wallet.at(T0, (tx) => tx.capture({ holdId: 'nope', debitId: 'd2', amount: null })), 'not_found');
    wallet.assertConsistent();
  });

  it('release returns everything to the grants', () => {
    const wallet = walletWithTwoGrants();
    wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('65'), feature: null, expiresAt: T0 + HOUR }));
    const hold = wallet.at(T0 + 5, (tx) => tx.release('h1'));
    assert.equal(hold.status, 'released');
    assert.equal(hold.endedAt, T0 + 5);
    assert.equal(hold.capturedAmount, 0n);
    assertEntries(wallet.last!.entries, [
      { type: 'release', grantId: 'a', amount: credits('60'), heldAmount: credits('-60'), effectiveAt: T0 + 5 },
      { type: 'release', grantId: 'b', amount: credits('5'), heldAmount: credits('-5'), balanceAfter: credits('160'), effectiveAt: T0 + 5 },
    ]);
    assert.deepEqual(wallet.parts('a'), parts('60', '0', '0', '0', '0'));
    assert.deepEqual(hold.allocations.map((allocation) => allocation.amount), [0n, 0n]);
    wallet.assertConsistent();
  });

  it('a hold expires on its own at exactly its expiresAt', () => {
    const wallet = walletWithTwoGrants();
    wallet.at(T0, (tx) => tx.placeHold({ holdId: 'h1', amount: credits('10'), feature: null, expiresAt: T0 + HOUR }));
    assert.equal(computeBalance(wallet.snapshot, T0 + HOUR - 1).held, credits('10'));
    assert.equal(computeBalance(wallet.snapshot, T0 + HOUR).held, 0n);
    wallet.at(T0 + 3 * DAY);
    assertEntries(wallet.last!.entries, [{ type: 'release', grantId: 'a', amount: credits('10'), heldAmount: credits('-10'), effectiveAt: T0 + HOUR }]);
    assert.equal(wallet.hold('h1').status, 'expired');
    assert.equal(wallet.hold('h1').endedAt, T0 + HOUR);
    assert.deepEqual(wallet.last!.events, [{ type: 'hold.expired', holdId: 'h1' }]);
    assertCreditbookError(() => wallet.at(T0 + 3 * DAY, (tx) => tx.capture({ holdId: 'h1', debitId: 'd1', amount: null })), 'state_conflict');
    wallet.assertConsistent();
  });

  it('grants expiring at one instant expire in creation order, whatever order the snapshot lists them in', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'z-first', amount: credits('5'), expiresAt: T0 + DAY }));
      tx.addGrant(newGrant({ id: 'a-second', amount: credits('7'), expiresAt: T0 + DAY }));
    });
    // A store may load live grants in any order (here, IDs and list order both disagree with creation).
    wallet.snapshot = { ...wallet.snapshot, grants: [...wallet.snapshot.grants].reverse() };
    wallet.at(T0 + 2 * DAY);
    assertEntries(wallet.last!.entries, [
      { type: 'expiry', grantId: 'z-first', amount: credits('-5'), effectiveAt: T0 + DAY },
      { type: 'expiry', grantId: 'a-second', amount: credits('-7'), effectiveAt: T0 + DAY },
    ]);
  });

  it('a held grant that expires while held: the held part stays capturable; what is released afterwards expires at once', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('100'), expiresAt: T0 + HOUR }));
      tx.placeHold({ holdId: 'h1', amount: credits('60'), feature: null, expiresAt: T0 + DAY });
    });
    wallet.at(T0 + 2 * HOUR);
    // The unheld part expires at exactly expiresAt.
    assertEntries(wallet.last!.entries, [{ type: 'expiry', grantId: 'g1', amount: credits('-40'), heldAmount: 0n, effectiveAt: T0 + HOUR }]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '60', '0', '40', '0'));
    assert.equal(grantStatus(wallet.grant('g1'), T0 + 2 * HOUR), 'expired');
    const balance = computeBalance(wallet.snapshot, T0 + 2 * HOUR);
    assert.deepEqual([balance.available, balance.held], [0n, credits('60')]);

    wallet.at(T0 + 3 * HOUR, (tx) => tx.capture({ holdId: 'h1', debitId: 'd1', amount: credits('25') }));
    assertEntries(wallet.last!.entries, [
      { type: 'capture', grantId: 'g1', amount: 0n, heldAmount: credits('-25'), effectiveAt: T0 + 3 * HOUR },
      { type: 'release', grantId: 'g1', amount: credits('35'), heldAmount: credits('-35'), effectiveAt: T0 + 3 * HOUR },
      // Released credit of an expired grant expires at once, at the release.
      { type: 'expiry', grantId: 'g1', amount: credits('-35'), heldAmount: 0n, balanceAfter: 0n, effectiveAt: T0 + 3 * HOUR },
    ]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '25', '75', '0'));
    assert.equal(computeBalance(wallet.snapshot, T0 + 3 * HOUR).available, 0n);
    wallet.assertConsistent();
  });

  it('a hold that outlives its grant releases into an immediate expiry at the hold expiry', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), expiresAt: T0 + HOUR }));
      tx.placeHold({ holdId: 'h1', amount: credits('10'), feature: null, expiresAt: T0 + 2 * HOUR });
    });
    wallet.at(T0 + DAY);
    // Nothing was available at the grant's expiry, so only the hold expiry books.
    assertEntries(wallet.last!.entries, [
      { type: 'release', grantId: 'g1', amount: credits('10'), effectiveAt: T0 + 2 * HOUR },
      { type: 'expiry', grantId: 'g1', amount: credits('-10'), effectiveAt: T0 + 2 * HOUR },
    ]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '0', '10', '0'));
    wallet.assertConsistent();
  });

  it('a hold expiring at the same instant as its grant is released first, then expires with it', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), expiresAt: T0 + HOUR }));
      tx.placeHold({ holdId: 'h1', amount: credits('4'), feature: null, expiresAt: T0 + HOUR });
    });
    wallet.at(T0 + DAY);
    assertEntries(wallet.last!.entries, [
      { type: 'release', grantId: 'g1', amount: credits('4'), effectiveAt: T0 + HOUR },
      { type: 'expiry', grantId: 'g1', amount: credits('-10'), effectiveAt: T0 + HOUR },
    ]);
    wallet.assertConsistent();
  });
});

describe('WalletTransaction: void and expiry', () => {
  it('void forfeits what is available now; consumed stays consumed; held stays with its hold', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('100') }));
      tx.debit({ debitId: 'd1', amount: credits('30'), feature: null, policy: 'reject' });
      tx.placeHold({ holdId: 'h1', amount: credits('20'), feature: null, expiresAt: T0 + DAY });
    });
    const voided = wallet.at(T0 + 1, (tx) => tx.voidGrant('g1'));
    assert.equal(voided.voidedAt, T0 + 1);
    assertEntries(wallet.last!.entries, [{ type: 'void', grantId: 'g1', amount: credits('-50'), heldAmount: 0n, balanceAfter: 0n, effectiveAt: T0 + 1 }]);
    assert.deepEqual(wallet.last!.events, [{ type: 'grant.voided', grantId: 'g1' }]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '20', '30', '0', '50'));
    assert.equal(grantStatus(wallet.grant('g1'), T0 + 1), 'voided');

    // Voiding twice returns the same voided grant and books nothing.
    const first = structuredClone(wallet.grant('g1'));
    const again = wallet.at(T0 + 2, (tx) => tx.voidGrant('g1'));
    assert.deepEqual(again, first);
    assert.deepEqual(wallet.last!.entries, []);
    assert.deepEqual(wallet.last!.events, []);

    // The held part is still usable by its hold.
    wallet.at(T0 + 3, (tx) => tx.capture({ holdId: 'h1', debitId: 'd2', amount: credits('15') }));
    assertEntries(wallet.last!.entries, [
      { type: 'capture', grantId: 'g1', amount: 0n, heldAmount: credits('-15') },
      { type: 'release', grantId: 'g1', amount: credits('5'), heldAmount: credits('-5') },
      { type: 'void', grantId: 'g1', amount: credits('-5'), heldAmount: 0n, balanceAfter: 0n, effectiveAt: T0 + 3 },
    ]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '45', '0', '55'));
    wallet.assertConsistent();
  });

  it('void of a scheduled grant books no entry, and the grant never activates', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), effectiveAt: T0 + HOUR })));
    wallet.at(T0 + 1, (tx) => tx.voidGrant('g1'));
    assert.deepEqual(wallet.last!.entries, []);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '0', '0', '10'));
    wallet.at(T0 + DAY);
    assert.deepEqual(wallet.entries, []);
    const balance = computeBalance(wallet.snapshot, T0 + DAY);
    assert.deepEqual([balance.available, balance.scheduled], [0n, 0n]);
    assert.equal(grantStatus(wallet.grant('g1'), T0 + DAY), 'voided');
    wallet.assertConsistent();
  });

  it('expiry is booked at exactly expiresAt, however late the sweep runs', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('100'), expiresAt: T0 + DAY }));
      tx.debit({ debitId: 'd1', amount: credits('40'), feature: null, policy: 'reject' });
    });
    // A read never counts a grant past its expiresAt, even before any sweep.
    assert.equal(computeBalance(wallet.snapshot, T0 + DAY - 1).available, credits('60'));
    assert.equal(computeBalance(wallet.snapshot, T0 + DAY).available, 0n);
    wallet.at(T0 + 30 * DAY);
    assertEntries(wallet.last!.entries, [{ type: 'expiry', grantId: 'g1', amount: credits('-60'), balanceAfter: 0n, effectiveAt: T0 + DAY }]);
    assert.equal(wallet.last!.entries[0]?.sequence, 3);
    assert.deepEqual(wallet.last!.events, [{ type: 'grant.expired', grantId: 'g1' }]);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '40', '60', '0'));
    assert.equal(wallet.grant('g1').expiredAt, T0 + DAY);
    wallet.assertConsistent();
  });

  it('expireGrant ends a grant now; expiring again changes nothing; a voided grant cannot be expired', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('100'), expiresAt: T0 + DAY }));
      tx.addGrant(newGrant({ id: 'g2', amount: credits('5') }));
      tx.debit({ debitId: 'd1', amount: credits('40'), feature: null, policy: 'reject' });
    });
    const expired = wallet.at(T0 + 5, (tx) => tx.expireGrant('g1'));
    assert.equal(expired.expiresAt, T0 + 5);
    assert.equal(expired.expiredAt, T0 + 5);
    assertEntries(wallet.last!.entries, [{ type: 'expiry', grantId: 'g1', amount: credits('-60'), effectiveAt: T0 + 5 }]);
    assert.equal(grantStatus(wallet.grant('g1'), T0 + 5), 'expired');
    wallet.at(T0 + 6, (tx) => tx.expireGrant('g1'));
    assert.deepEqual(wallet.last!.entries, []);
    assert.deepEqual(wallet.parts('g1'), parts('0', '0', '40', '60', '0'));

    wallet.at(T0 + 7, (tx) => tx.voidGrant('g2'));
    assertCreditbookError(() => wallet.at(T0 + 8, (tx) => tx.expireGrant('g2')), 'state_conflict');
    assertCreditbookError(() => wallet.at(T0 + 8, (tx) => tx.expireGrant('missing')), 'not_found');
    wallet.assertConsistent();
  });

  it('expireGrant refuses a grant that is not yet effective (it would otherwise activate after its own expiry)', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), effectiveAt: T0 + DAY })));
    assertCreditbookError(() => wallet.at(T0 + 1, (tx) => tx.expireGrant('g1')), 'state_conflict');
    // Nothing changed: the grant still activates at effectiveAt, and the ledger stays in time order.
    wallet.at(T0 + 2 * DAY);
    assertEntries(wallet.entries, [{ type: 'grant', grantId: 'g1', amount: credits('10'), effectiveAt: T0 + DAY }]);
    wallet.assertConsistent();
  });

  it('updateGrant changes priority and expiry, and refuses dead grants and past expiries', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => {
      tx.addGrant(newGrant({ id: 'g1', amount: credits('10'), priority: 10 }));
      tx.addGrant(newGrant({ id: 'g2', amount: credits('10'), priority: 20 }));
      tx.addGrant(newGrant({ id: 'g3', amount: credits('10'), priority: 30 }));
    });
    const updated = wallet.at(T0 + 1, (tx) => tx.updateGrant('g2', { priority: 0, expiresAt: T0 + DAY }));
    assert.equal(updated.priority, 0);
    assert.equal(updated.expiresAt, T0 + DAY);
    assert.deepEqual(wallet.last!.entries, []);
    assert.deepEqual(wallet.last!.events, [{ type: 'grant.updated', grantId: 'g2' }]);
    const outcome = wallet.at(T0 + 2, (tx) => tx.debit({ debitId: 'd1', amount: credits('1'), feature: null, policy: 'reject' }));
    assert.deepEqual(outcome.allocations, [{ grantId: 'g2', amount: credits('1') }]);

    for (const expiresAt of [T0 + 2, T0 - DAY]) {
      assertCreditbookError(
        () => wallet.at(T0 + 2, (tx) => tx.updateGrant('g1', { expiresAt })),
        'validation_error',
        (error) => assert.equal(error.param, 'expiresAt'),
      );
    }
    wallet.at(T0 + 3, (tx) => tx.voidGrant('g1'));
    assertCreditbookError(() => wallet.at(T0 + 4, (tx) => tx.updateGrant('g1', { priority: 5 })), 'state_conflict', (error) => assert.match(error.message, /voided/));
    wallet.at(T0 + 5, (tx) => tx.expireGrant('g3'));
    assertCreditbookError(() => wallet.at(T0 + 6, (tx) => tx.updateGrant('g3', { expiresAt: null })), 'state_conflict', (error) => assert.match(error.message, /expired/));
    // A grant expired by time, never by the endpoint, is refused just the same.
    wallet.at(T0 + 2 * DAY);
    assertCreditbookError(() => wallet.at(T0 + 2 * DAY, (tx) => tx.updateGrant('g2', { expiresAt: null })), 'state_conflict');
    wallet.assertConsistent();
  });

  it('a payment-pending grant is neither spendable nor booked', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', paymentPending: true })));
    assert.deepEqual(wallet.entries, []);
    assert.equal(grantStatus(wallet.grant('g1'), T0 + DAY), 'payment_pending');
    assert.equal(computeBalance(wallet.snapshot, T0 + DAY).available, 0n);
    assertCreditbookError(() => wallet.at(T0 + DAY, (tx) => tx.debit({ debitId: 'd1', amount: 1n, feature: null, policy: 'reject' })), 'insufficient_balance');
  });

  it('sequence numbers and balances continue across transactions, in time order', () => {
    const wallet = new Wallet();
    wallet.at(T0, (tx) => tx.addGrant(newGrant({ id: 'g1', amount: credits('10') })));
    wallet.at(T0 + 1, (tx) => tx.debit({ debitId: 'd1', amount: credits('1'), feature: null, policy: 'reject' }));
    // A caller whose clock is behind the wallet's last entry is booked at the last entry's time.
    wallet.at(T0 - HOUR, (tx) => tx.debit({ debitId: 'd2', amount: credits('2'), feature: null, policy: 'reject' }));
    assert.deepEqual(
      wallet.entries.map((entry) => [entry.sequence, entry.balanceAfter, entry.effectiveAt]),
      [
        [1, credits('10'), T0],
        [2, credits('9'), T0 + 1],
        [3, credits('7'), T0 + 1],
      ],
    );
    assert.equal(wallet.snapshot.wallet.advancedTo, T0 + 1);
    wallet.assertConsistent();
  });
});

describe('confirmPayment', () => {
  it('activates a pending grant at payment time, never before, and is idempotent', () => {
    const created = new WalletTransaction(emptyWallet(), T0);
    created.addGrant(newGrant({ id: 'g-paid', amount: credits('40'), paymentPending: true, effectiveAt: T0 - HOUR }));
    const pending = created.result();
    assert.equal(pending.entries.length, 0, 'a pending grant books nothing');
    assert.equal(grantStatus(pending.snapshot.grants[0]!, T0), 'payment_pending');
    assert.throws(
      () => new WalletTransaction(pending.snapshot, T0 + HOUR).debit({ debitId: 'd', amount: credits('1'), feature: null, policy: 'reject' }),
      (error: unknown) => error instanceof CreditbookError && error.code === 'insufficient_balance',
    );

    const paying = new WalletTransaction(pending.snapshot, T0 + HOUR);
    paying.confirmPayment('g-paid');
    paying.confirmPayment('g-paid');
    const paid = paying.result();
    assert.deepEqual(
      paid.entries.map((entry) => [entry.type, entry.amount, entry.effectiveAt]),
      [['grant', credits('40'), T0 + HOUR]],
    );
    assert.equal(grantStatus(paid.snapshot.grants[0]!, T0 + HOUR), 'active');
  });

  it('refuses to activate a voided grant', () => {
    const created = new WalletTransaction(emptyWallet(), T0);
    created.addGrant(newGrant({ id: 'g-void', amount: credits('40'), paymentPending: true }));
    created.voidGrant('g-void');
    assert.throws(
      () => created.confirmPayment('g-void'),
      (error: unknown) => error instanceof CreditbookError && error.code === 'state_conflict',
    );
  });
});

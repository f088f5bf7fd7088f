import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Amount } from './amount.ts';
import { computeBalance } from './balance.ts';
import { resumeResets } from './due-events.ts';
import { CreditbookError, type ErrorCode } from './errors.ts';
import { replayWallet } from './replay.ts';
import { credits, DAY, emptyWallet, HOUR, issuedGrantIdOf, newGrant, utc, WalletDriver } from './test-builders.ts';
import type { GrantState, Instant, LedgerEntryDraft, LedgerEntryType, WalletSnapshot } from './types.ts';
import { verifyWallet } from './verify-wallet.ts';
import type { NewGrant, NewSchedule } from './wallet-transaction.ts';

/*
 * Recurring grants, usage periods, resets and rollover (issue 4), by example.
 * Every wallet here issues grants with deterministic IDs: the k-th grant of
 * schedule `s1` is `s1-k` (the first one is given by the caller as `s1-0`).
 */

const iso = (instant: Instant) => new Date(instant).toISOString();

/** Jan 31 of a leap year, at a time of day that must survive month arithmetic. */
const JAN31 = utc('2024-01-31T09:30:00.000Z');
const FEB29 = utc('2024-02-29T09:30:00.000Z');
const MAR31 = utc('2024-03-31T09:30:00.000Z');
const APR30 = utc('2024-04-30T09:30:00.000Z');
const MAY31 = utc('2024-05-31T09:30:00.000Z');

function driver(snapshot: WalletSnapshot = emptyWallet()): WalletDriver {
  return new WalletDriver(snapshot, { issuedGrantId: issuedGrantIdOf });
}

function schedule(overrides: Partial<NewGrant> = {}, options: Partial<Omit<NewSchedule, 'firstGrant'>> = {}): NewSchedule {
  return {
    scheduleId: 's1',
    firstGrant: newGrant({ id: 's1-0', amount: credits(1000), effectiveAt: JAN31, ...overrides }),
    recurrencePeriod: 'P1M',
    endsAt: null,
    ...options,
  };
}

type Row = [type: LedgerEntryType, grantId: string | null, amount: Amount, at: Instant];

function rows(entries: LedgerEntryDraft[]): Row[] {
  return entries.map((entry) => [entry.type, entry.grantId, entry.amount, entry.effectiveAt]);
}

function split(grant: GrantState): Amount {
  return grant.available + grant.held + grant.consumed + grant.expired + grant.voided;
}

function assertConsistent(wallet: WalletDriver): void {
  assert.deepEqual(verifyWallet(wallet.snapshot, wallet.entries), []);
  for (const grant of wallet.snapshot.grants) assert.equal(split(grant), grant.amount, `split of ${grant.id}`);
  wallet.entries.forEach((entry, index) => {
    assert.equal(entry.sequence, index + 1);
    if (index > 0) assert.ok(entry.effectiveAt >= wallet.entries[index - 1]!.effectiveAt, `entry ${entry.sequence} out of time order`);
  });
}

function assertCreditbookError(run: () => unknown, code: ErrorCode): void {
  assert.throws(run, (error: unknown) => error instanceof CreditbookError && error.code === code);
}

const debit = (debitId: string, amount: number, policy: 'reject' | 'partial' | 'overdraft' = 'reject') => ({
  debitId,
  amount: credits(amount),
  feature: null,
  policy,
});

describe('recurring schedules', () => {
  it('a monthly schedule anchored on Jan 31 issues on Feb 29, Mar 31, Apr 30 (leap year), each a recurring grant of its schedule', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule()));
    wallet.at(utc('2024-05-01T00:00:00.000Z'));

    const issued = wallet.snapshot.grants.map((grant) => [grant.id, iso(grant.effectiveAt), grant.source, grant.scheduleId, grant.amount]);
    assert.deepEqual(issued, [
      ['s1-0', '2024-01-31T09:30:00.000Z', 'recurring', 's1', credits(1000)],
      ['s1-1', '2024-02-29T09:30:00.000Z', 'recurring', 's1', credits(1000)],
      ['s1-2', '2024-03-31T09:30:00.000Z', 'recurring', 's1', credits(1000)],
      ['s1-3', '2024-04-30T09:30:00.000Z', 'recurring', 's1', credits(1000)],
    ]);
    assert.deepEqual(rows(wallet.entries), [
      ['grant', 's1-0', credits(1000), JAN31],
      ['grant', 's1-1', credits(1000), FEB29],
      ['grant', 's1-2', credits(1000), MAR31],
      ['grant', 's1-3', credits(1000), APR30],
    ]);
    assert.equal(wallet.schedule('s1').issuedCount, 4);
    assert.equal(wallet.schedule('s1').anchor, JAN31);
    // The issued grants are reported as issued by the clock, not created by an operation.
    assert.deepEqual([...wallet.last!.issuedGrantIds], ['s1-1', 's1-2', 's1-3']);
    assert.equal(computeBalance(wallet.snapshot, utc('2024-05-01T00:00:00.000Z')).available, credits(4000));
    assertConsistent(wallet);
  });

  it('in a common year the Jan 31 schedule issues on Feb 28, then Mar 31 (no drift)', () => {
    const anchor = utc('2023-01-31T00:00:00.000Z');
    const wallet = driver();
    wallet.at(anchor, (tx) => tx.createSchedule(schedule({ effectiveAt: anchor })));
    wallet.at(utc('2023-04-01T00:00:00.000Z'));
    assert.deepEqual(
      wallet.snapshot.grants.map((grant) => iso(grant.effectiveAt)),
      ['2023-01-31T00:00:00.000Z', '2023-02-28T00:00:00.000Z', '2023-03-31T00:00:00.000Z'],
    );
  });

  it('a schedule starting in the future is anchored at its first grant, which is scheduled until then', () => {
    const wallet = driver();
    wallet.at(JAN31 - 10 * DAY, (tx) => tx.createSchedule(schedule()));
    assert.equal(wallet.schedule('s1').anchor, JAN31);
    assert.equal(wallet.entries.length, 0);
    assert.equal(computeBalance(wallet.snapshot, JAN31 - 1).scheduled, credits(1000));
    wallet.at(FEB29);
    assert.deepEqual(rows(wallet.entries), [
      ['grant', 's1-0', credits(1000), JAN31],
      ['grant', 's1-1', credits(1000), FEB29],
    ]);
  });

  it('refuses a recurring grant with expiresAt, and an end not after the first grant', () => {
    const wallet = driver();
    assertCreditbookError(() => wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ expiresAt: JAN31 + DAY }))), 'validation_error');
    assertCreditbookError(() => wallet.at(JAN31, (tx) => tx.createSchedule(schedule({}, { endsAt: JAN31 }))), 'validation_error');
    assertCreditbookError(() => wallet.at(JAN31, (tx) => tx.createSchedule(schedule({}, { recurrencePeriod: 'PT1H' }))), 'validation_error');
    assert.equal(wallet.snapshot.schedules.length, 0);
  });

  it('cancelSchedule stops future issues, keeps the grants issued, and is idempotent', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule()));
    wallet.at(FEB29);
    const cancelAt = FEB29 + 3 * DAY;
    const cancelled = wallet.at(cancelAt, (tx) => tx.cancelSchedule('s1'));
    assert.equal(cancelled.cancelledAt, cancelAt);
    assert.deepEqual(wallet.last!.events, [{ type: 'grant_schedule.cancelled', scheduleId: 's1' }]);

    const again = wallet.at(cancelAt + DAY, (tx) => tx.cancelSchedule('s1'));
    assert.equal(again.cancelledAt, cancelAt);
    assert.deepEqual(wallet.last!.events, []);
    assert.equal(wallet.last!.changedScheduleIds.size, 0);

    wallet.at(utc('2025-06-01T00:00:00.000Z'));
    assert.deepEqual(
      wallet.snapshot.grants.map((grant) => grant.id),
      ['s1-0', 's1-1'],
    );
    assert.equal(wallet.schedule('s1').issuedCount, 2);
    assert.equal(computeBalance(wallet.snapshot, utc('2025-06-01T00:00:00.000Z')).available, credits(2000));
    assertCreditbookError(() => wallet.at(cancelAt + 2 * DAY, (tx) => tx.cancelSchedule('nope')), 'not_found');
    assertConsistent(wallet);
  });

  it('cancelling exactly at a boundary: the grant due at that instant is issued first', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule()));
    wallet.at(FEB29, (tx) => tx.cancelSchedule('s1'));
    wallet.at(MAY31 + DAY);
    assert.deepEqual(
      wallet.snapshot.grants.map((grant) => grant.id),
      ['s1-0', 's1-1'],
    );
  });

  it('endsAt stops issues: a boundary at or after endsAt is not issued', () => {
    const atEnd = driver();
    atEnd.at(JAN31, (tx) => tx.createSchedule(schedule({}, { endsAt: MAR31 })));
    atEnd.at(MAY31 + DAY);
    assert.deepEqual(
      atEnd.snapshot.grants.map((grant) => grant.id),
      ['s1-0', 's1-1'],
    );

    const justAfter = driver();
    justAfter.at(JAN31, (tx) => tx.createSchedule(schedule({}, { endsAt: MAR31 + 1 })));
    justAfter.at(MAY31 + DAY);
    assert.deepEqual(
      justAfter.snapshot.grants.map((grant) => grant.id),
      ['s1-0', 's1-1', 's1-2'],
    );
  });

  it('a new grant issued at a boundary pays back an overdraft first', () => {
    const wallet = driver(emptyWallet({ overdraftLimit: credits(500) }));
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule()));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 1300, 'overdraft')));
    wallet.at(FEB29);
    assert.deepEqual(rows(wallet.entriesSince(FEB29)), [
      ['grant', 's1-1', credits(1000), FEB29],
      ['repayment', 's1-1', -credits(300), FEB29],
      ['repayment', null, credits(300), FEB29],
    ]);
    assert.equal(wallet.snapshot.wallet.overdraft, 0n);
    assertConsistent(wallet);
  });
});

describe('reset and rollover at a period boundary', () => {
  it('resetMaxRollover 200 with 700 left: 500 expire at exactly the boundary, 200 roll over, then the next grant is issued', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    wallet.at(FEB29 + HOUR);

    assert.deepEqual(rows(wallet.entriesSince(FEB29)), [
      ['expiry', 's1-0', -credits(500), FEB29],
      ['grant', 's1-1', credits(1000), FEB29],
    ]);
    const first = wallet.grant('s1-0');
    assert.deepEqual(wallet.parts('s1-0'), { amount: credits(1000), available: credits(200), held: 0n, consumed: credits(300), expired: credits(500), voided: 0n });
    assert.equal(first.rolledOver, credits(200));
    assert.equal(first.lastResetAt, FEB29);
    assert.equal(first.expiredAt, null, 'a reset is not the end of the grant');
    assert.equal(computeBalance(wallet.snapshot, FEB29 + HOUR).available, credits(1200));
    // The carried 200 is spent first: same priority, both never expire, then effectiveAt.
    const outcome = wallet.at(FEB29 + 2 * HOUR, (tx) => tx.debit(debit('d2', 250)));
    assert.deepEqual(outcome.allocations, [
      { grantId: 's1-0', amount: credits(200) },
      { grantId: 's1-1', amount: credits(50) },
    ]);
    assertConsistent(wallet);
  });

  it("a schedule's cap applies to all its grants together: at most 200 carry in all, the excess expiring oldest first", () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    wallet.at(MAR31);
    // Feb 29: s1-0 keeps 200 of 1000. Mar 31: s1-0 (200) and s1-1 (1000) keep 200 together; the oldest goes first.
    assert.deepEqual(rows(wallet.entries), [
      ['grant', 's1-0', credits(1000), JAN31],
      ['expiry', 's1-0', -credits(800), FEB29],
      ['grant', 's1-1', credits(1000), FEB29],
      ['expiry', 's1-0', -credits(200), MAR31],
      ['expiry', 's1-1', -credits(800), MAR31],
      ['grant', 's1-2', credits(1000), MAR31],
    ]);
    // rolledOver adds up what each grant carried at each boundary.
    assert.equal(wallet.grant('s1-0').rolledOver, credits(200));
    assert.equal(wallet.grant('s1-1').rolledOver, credits(200));
    assert.equal(wallet.grant('s1-2').rolledOver, 0n);
    assert.equal(wallet.grant('s1-0').lastResetAt, MAR31);
    assert.equal(computeBalance(wallet.snapshot, MAR31).available, credits(1200));
    assertConsistent(wallet);
  });

  it('manual grants with caps reset each on their own cap', () => {
    const anchor = utc('2024-01-31T00:00:00.000Z');
    const wallet = driver();
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'a', effectiveAt: anchor, resetMaxRollover: credits(40) }));
      tx.addGrant(newGrant({ id: 'b', effectiveAt: anchor, resetMaxRollover: credits(40) }));
    });
    wallet.at(utc('2024-02-29T00:00:00.000Z'));
    assert.equal(wallet.grant('a').available, credits(40));
    assert.equal(wallet.grant('b').available, credits(40));
    assertConsistent(wallet);
  });

  it("a schedule's floor tops up its newest grant due at the boundary", () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMinRollover: credits(500) })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 900)));
    wallet.at(FEB29 + DAY, (tx) => tx.debit(debit('d2', 1400)));
    // s1-0: 100 left, topped up to 500 on Feb 29, then spent; s1-1: 100 left.
    assert.equal(wallet.grant('s1-0').available, 0n);
    assert.equal(wallet.grant('s1-1').available, credits(100));
    wallet.at(MAR31);
    assert.deepEqual(rows(wallet.entriesSince(MAR31)), [
      ['adjustment', 's1-1', credits(400), MAR31],
      ['grant', 's1-2', credits(1000), MAR31],
    ]);
    assert.deepEqual(wallet.parts('s1-0'), { amount: credits(1400), available: 0n, held: 0n, consumed: credits(1400), expired: 0n, voided: 0n });
    assert.deepEqual(wallet.parts('s1-1'), { amount: credits(1400), available: credits(500), held: 0n, consumed: credits(900), expired: 0n, voided: 0n });
    assertConsistent(wallet);
  });

  it('resetMaxRollover 0 discards everything left', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: 0n })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    wallet.at(FEB29);
    assert.deepEqual(rows(wallet.entriesSince(FEB29)), [
      ['expiry', 's1-0', -credits(700), FEB29],
      ['grant', 's1-1', credits(1000), FEB29],
    ]);
    assert.equal(wallet.grant('s1-0').available, 0n);
    assert.equal(wallet.grant('s1-0').rolledOver, 0n);
    assert.equal(computeBalance(wallet.snapshot, FEB29).available, credits(1000));
    assertConsistent(wallet);
  });

  it('resetMinRollover raises what is left with an adjustment entry, and the grant amount grows by it', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMinRollover: credits(500) })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 900)));
    wallet.at(FEB29);
    assert.deepEqual(rows(wallet.entriesSince(FEB29)), [
      ['adjustment', 's1-0', credits(400), FEB29],
      ['grant', 's1-1', credits(1000), FEB29],
    ]);
    assert.deepEqual(wallet.parts('s1-0'), { amount: credits(1400), available: credits(500), held: 0n, consumed: credits(900), expired: 0n, voided: 0n });
    assert.equal(wallet.grant('s1-0').rolledOver, credits(500));
    assert.deepEqual(wallet.last!.events, [
      { type: 'grant.updated', grantId: 's1-0' },
      { type: 'grant.created', grantId: 's1-1' },
    ]);
    assertConsistent(wallet);
  });

  it('a floor above the cap carries the cap: min(max, max(min, left))', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200), resetMinRollover: credits(300) })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 900)));
    wallet.at(FEB29);
    // left 100: max(300, 100) = 300, min(200, 300) = 200, so 100 is topped up.
    assert.deepEqual(rows(wallet.entriesSince(FEB29)).slice(0, 1), [['adjustment', 's1-0', credits(100), FEB29]]);
    assert.equal(wallet.grant('s1-0').available, credits(200));
    assertConsistent(wallet);
  });

  it('a floor with no cap carries everything left and books nothing when nothing is raised', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMinRollover: 0n })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    wallet.at(FEB29);
    assert.deepEqual(rows(wallet.entriesSince(FEB29)), [['grant', 's1-1', credits(1000), FEB29]]);
    assert.equal(wallet.grant('s1-0').available, credits(700));
    assert.equal(wallet.grant('s1-0').rolledOver, credits(700));
    assert.equal(wallet.grant('s1-0').lastResetAt, FEB29);
  });

  it('with neither cap nor floor a grant never resets: all of it carries, and rolledOver stays 0', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule()));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    wallet.at(MAR31);
    assert.equal(wallet.grant('s1-0').available, credits(700));
    assert.equal(wallet.grant('s1-0').rolledOver, 0n);
    assert.equal(wallet.grant('s1-0').lastResetAt, null);
    assert.equal(computeBalance(wallet.snapshot, MAR31).available, credits(2700));
  });

  it('held credit is not reset: it stays with its hold, and what is released later is reset at the next boundary', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    wallet.at(JAN31 + DAY, (tx) => {
      tx.placeHold({ holdId: 'h1', amount: credits(600), feature: null, expiresAt: FEB29 + 3 * DAY });
      tx.debit(debit('d1', 100));
    });
    wallet.at(FEB29);
    // left = 1000 − 600 held − 100 consumed = 300: 100 expire, 200 carry.
    assert.deepEqual(rows(wallet.entriesSince(FEB29)).slice(0, 1), [['expiry', 's1-0', -credits(100), FEB29]]);
    assert.deepEqual(wallet.parts('s1-0'), { amount: credits(1000), available: credits(200), held: credits(600), consumed: credits(100), expired: credits(100), voided: 0n });

    wallet.at(FEB29 + DAY, (tx) => tx.release('h1'));
    assert.equal(wallet.grant('s1-0').available, credits(800));
    wallet.at(MAR31);
    // 800 (s1-0) + 1000 (s1-1) left: 200 carry in all, s1-0 expiring first.
    assert.equal(wallet.grant('s1-0').available, 0n);
    assert.equal(wallet.grant('s1-0').expired, credits(900));
    assert.equal(wallet.grant('s1-1').available, credits(200));
    assertConsistent(wallet);
  });

  it('a hold lapsing exactly at the boundary returns its credit before the reset, so the cap applies to it', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    wallet.at(JAN31 + DAY, (tx) => {
      tx.placeHold({ holdId: 'h1', amount: credits(600), feature: null, expiresAt: FEB29 });
      tx.debit(debit('d1', 100));
    });
    wallet.at(FEB29);
    assert.deepEqual(
      wallet.entriesSince(FEB29).map((entry) => [entry.type, entry.grantId, entry.amount, entry.heldAmount]),
      [
        ['release', 's1-0', credits(600), -credits(600)],
        ['expiry', 's1-0', -credits(700), 0n],
        ['grant', 's1-1', credits(1000), 0n],
      ],
    );
    assertConsistent(wallet);
  });

  it('a grant that expires exactly at a boundary is expired, not reset', () => {
    const anchor = utc('2024-01-31T00:00:00.000Z');
    const boundary = utc('2024-02-29T00:00:00.000Z');
    const wallet = driver();
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'ends', effectiveAt: anchor, expiresAt: boundary, resetMaxRollover: credits(10), amount: credits(100) }));
      tx.addGrant(newGrant({ id: 'later', effectiveAt: anchor, expiresAt: boundary + 1, resetMaxRollover: credits(10), amount: credits(100) }));
    });
    wallet.at(boundary + 1);
    assert.deepEqual(rows(wallet.entriesSince(boundary)), [
      ['expiry', 'ends', -credits(100), boundary],
      ['expiry', 'later', -credits(90), boundary],
      ['expiry', 'later', -credits(10), boundary + 1],
    ]);
    const ends = wallet.grant('ends');
    assert.equal(ends.expiredAt, boundary);
    assert.equal(ends.lastResetAt, null);
    assert.equal(ends.rolledOver, 0n);
    assert.equal(wallet.grant('later').rolledOver, credits(10));
    assertConsistent(wallet);
  });

  it('a grant that starts exactly at a boundary is not reset at that boundary', () => {
    const anchor = utc('2024-01-31T00:00:00.000Z');
    const boundary = utc('2024-02-29T00:00:00.000Z');
    const wallet = driver();
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'g', effectiveAt: boundary, resetMaxRollover: credits(10) }));
    });
    wallet.at(boundary + DAY);
    assert.deepEqual(rows(wallet.entries), [['grant', 'g', credits(100), boundary]]);
    wallet.at(utc('2024-03-31T00:00:00.000Z'));
    assert.deepEqual(rows(wallet.entriesSince(boundary + 1)), [['expiry', 'g', -credits(90), utc('2024-03-31T00:00:00.000Z')]]);
  });

  it('a voided grant is not reset, and a manual grant without any period never resets', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => {
      tx.createSchedule(schedule({ resetMaxRollover: credits(10) }));
      tx.addGrant(newGrant({ id: 'manual', effectiveAt: JAN31, resetMaxRollover: credits(10) }));
    });
    wallet.at(JAN31 + DAY, (tx) => tx.voidGrant('s1-0'));
    wallet.at(APR30);
    assert.equal(wallet.grant('manual').available, credits(100));
    assert.equal(wallet.grant('manual').lastResetAt, null);
    assert.equal(wallet.grant('s1-0').lastResetAt, null);
    assert.equal(wallet.entries.filter((entry) => entry.grantId === 's1-0').length, 2);
    assertConsistent(wallet);
  });

  it('resets follow the wallet usage period when it has one, else the schedule period; a cancelled schedule still resets its grants', () => {
    const weekly = driver();
    weekly.at(JAN31, (tx) => {
      tx.setUsagePeriod({ period: 'P1W', anchor: utc('2024-01-01T00:00:00.000Z') });
      tx.createSchedule(schedule({ resetMaxRollover: credits(200) }));
    });
    weekly.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    weekly.at(FEB29);
    // Weekly boundaries after Jan 31: Feb 5, 12, 19, 26. Nothing happens to s1-0 on Feb 29 itself.
    assert.deepEqual(rows(weekly.entriesSince(JAN31 + 2 * DAY)), [
      ['expiry', 's1-0', -credits(500), utc('2024-02-05T00:00:00.000Z')],
      ['grant', 's1-1', credits(1000), FEB29],
    ]);
    assert.equal(weekly.grant('s1-0').rolledOver, credits(800));
    assert.equal(weekly.grant('s1-0').lastResetAt, utc('2024-02-26T00:00:00.000Z'));

    const monthly = driver();
    monthly.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    monthly.at(JAN31 + DAY, (tx) => tx.cancelSchedule('s1'));
    monthly.at(MAR31);
    assert.deepEqual(rows(monthly.entries), [
      ['grant', 's1-0', credits(1000), JAN31],
      ['expiry', 's1-0', -credits(800), FEB29],
    ]);
    assert.equal(monthly.grant('s1-0').lastResetAt, MAR31);
    assert.equal(monthly.grant('s1-0').rolledOver, credits(400));
  });

  it('a manual grant with a cap resets on the wallet usage period', () => {
    const anchor = utc('2024-01-31T00:00:00.000Z');
    const wallet = driver();
    wallet.at(anchor + HOUR, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'promo', category: 'promotional', effectiveAt: anchor + HOUR, resetMaxRollover: credits(40) }));
    });
    wallet.at(utc('2024-03-01T00:00:00.000Z'));
    assert.deepEqual(rows(wallet.entriesSince(anchor + 2 * HOUR)), [['expiry', 'promo', -credits(60), utc('2024-02-29T00:00:00.000Z')]]);
  });
});

describe('wallet usage period', () => {
  const anchor = utc('2024-01-31T00:00:00.000Z');
  const feb29 = utc('2024-02-29T00:00:00.000Z');
  const mar31 = utc('2024-03-31T00:00:00.000Z');

  it('counts debits, the taken part of partial debits, overdraft and captures, not holds nor refused debits', () => {
    const wallet = driver(emptyWallet({ overdraftLimit: credits(50) }));
    const start = utc('2024-02-10T00:00:00.000Z');
    wallet.at(start, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'g', amount: credits(300), effectiveAt: start }));
    });
    assert.deepEqual(computeBalance(wallet.snapshot, start).period, { start: anchor, end: feb29, usage: 0n });
    wallet.at(start + 1, (tx) => tx.debit(debit('d1', 100)));
    wallet.at(start + 2, (tx) => tx.placeHold({ holdId: 'h1', amount: credits(50), feature: null, expiresAt: start + DAY }));
    assert.equal(wallet.snapshot.wallet.periodUsage, credits(100));
    wallet.at(start + 3, (tx) => tx.capture({ holdId: 'h1', debitId: 'd2', amount: credits(30) }));
    assert.equal(wallet.snapshot.wallet.periodUsage, credits(130));
    assertCreditbookError(() => wallet.at(start + 4, (tx) => tx.debit(debit('d3', 1000))), 'insufficient_balance');
    const partial = wallet.at(start + 5, (tx) => tx.debit(debit('d4', 500, 'partial')));
    assert.equal(partial.shortfall, credits(330));
    assert.equal(wallet.snapshot.wallet.periodUsage, credits(300));
    wallet.at(start + 6, (tx) => tx.debit(debit('d5', 40, 'overdraft')));
    assert.deepEqual(computeBalance(wallet.snapshot, start + 6).period, { start: anchor, end: feb29, usage: credits(340) });
    assertConsistent(wallet);
  });

  it('turns over to 0 at exactly the boundary; a debit at the boundary counts in the new period; past reads keep each period', () => {
    const wallet = driver(emptyWallet({ overdraftLimit: credits(100) }));
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.addGrant(newGrant({ id: 'g', amount: credits(1000), effectiveAt: anchor }));
    });
    wallet.at(anchor + DAY, (tx) => tx.debit(debit('d1', 70)));
    assert.deepEqual(computeBalance(wallet.snapshot, feb29 - 1).period, { start: anchor, end: feb29, usage: credits(70) });
    // Read across the boundary without booking anything: the new period has no usage yet.
    assert.deepEqual(computeBalance(wallet.snapshot, feb29).period, { start: feb29, end: mar31, usage: 0n });
    wallet.at(feb29, (tx) => tx.debit(debit('d2', 5)));
    assert.equal(wallet.snapshot.wallet.periodStart, feb29);
    assert.deepEqual(computeBalance(wallet.snapshot, feb29).period, { start: feb29, end: mar31, usage: credits(5) });
    wallet.at(mar31 + DAY, (tx) => tx.debit(debit('d3', 1)));
    assert.deepEqual(computeBalance(wallet.snapshot, mar31 + DAY).period, { start: mar31, end: utc('2024-04-30T00:00:00.000Z'), usage: credits(1) });

    const { wallet: stored, grants, holds, schedules } = wallet.snapshot;
    const asOf = (at: Instant) => computeBalance(replayWallet({ wallet: stored, grants, holds, schedules, entries: wallet.entries, at }), at).period;
    assert.deepEqual(asOf(anchor + 2 * DAY), { start: anchor, end: feb29, usage: credits(70) });
    assert.deepEqual(asOf(feb29), { start: feb29, end: mar31, usage: credits(5) });
    assert.deepEqual(asOf(mar31 - 1), { start: feb29, end: mar31, usage: credits(5) });
    assert.deepEqual(asOf(mar31), { start: mar31, end: utc('2024-04-30T00:00:00.000Z'), usage: 0n });
    assertConsistent(wallet);
  });

  it('an anchor in the future: no period until then, and the first period starts at the anchor', () => {
    const wallet = driver();
    const future = anchor + 10 * DAY;
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1W', anchor: future });
      tx.addGrant(newGrant({ id: 'g', effectiveAt: anchor }));
      tx.debit(debit('d1', 5));
    });
    assert.equal(computeBalance(wallet.snapshot, anchor).period, null);
    assert.deepEqual(computeBalance(wallet.snapshot, future).period, { start: future, end: future + 7 * DAY, usage: 0n });
    wallet.at(future + DAY, (tx) => tx.debit(debit('d2', 3)));
    assert.deepEqual(computeBalance(wallet.snapshot, future + DAY).period, { start: future, end: future + 7 * DAY, usage: credits(3) });
  });

  it('no usage period: the balance reports none; removing the period stops turnovers', () => {
    const wallet = driver();
    wallet.at(anchor, (tx) => tx.addGrant(newGrant({ effectiveAt: anchor })));
    assert.equal(computeBalance(wallet.snapshot, anchor).period, null);
    wallet.at(anchor + 1, (tx) => tx.setUsagePeriod({ period: 'P1D', anchor }));
    assert.notEqual(computeBalance(wallet.snapshot, anchor + 1).period, null);
    wallet.at(anchor + 2, (tx) => tx.setUsagePeriod(null));
    assert.equal(computeBalance(wallet.snapshot, anchor + 10 * DAY).period, null);
    assert.equal(wallet.snapshot.wallet.periodStart, null);
  });
});

describe('balances as of a past time across resets', () => {
  const asOf = (wallet: WalletDriver, at: Instant) => {
    const { wallet: stored, grants, holds, schedules } = wallet.snapshot;
    return computeBalance(replayWallet({ wallet: stored, grants, holds, schedules, entries: wallet.entries, at }), at);
  };

  it('reads each side of every reset exactly', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => tx.createSchedule(schedule({ resetMaxRollover: credits(200) })));
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 300)));
    wallet.at(APR30 + DAY);
    assert.equal(asOf(wallet, FEB29 - 1).available, credits(700));
    assert.equal(asOf(wallet, FEB29).available, credits(1200));
    assert.equal(asOf(wallet, MAR31 - 1).available, credits(1200));
    assert.equal(asOf(wallet, MAR31).available, credits(1200));
    assert.deepEqual(
      asOf(wallet, MAR31).grants.map(({ grant }) => [grant.id, grant.available, grant.expired]),
      [
        ['s1-0', 0n, credits(700)],
        ['s1-1', credits(200), credits(800)],
        ['s1-2', credits(1000), 0n],
      ],
    );
  });

  it('a used-up floored grant that missed boundaries (stored before floors brought such grants back) resumes after them', () => {
    const wallet = driver();
    wallet.at(JAN31, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor: JAN31 });
      tx.addGrant(newGrant({ id: 'f', amount: credits(100), effectiveAt: JAN31, resetMinRollover: credits(30) }));
      tx.addGrant(newGrant({ id: 'g', amount: credits(100), effectiveAt: JAN31, priority: 60 }));
    });
    wallet.at(JAN31 + DAY, (tx) => tx.debit(debit('d1', 100)));
    // As a store did then: the used-up grant is not loaded at the next two boundaries.
    const stale = wallet.grant('f');
    wallet.snapshot = { ...wallet.snapshot, grants: wallet.snapshot.grants.filter((grant) => grant.id !== 'f') };
    wallet.at(MAR31 + 15 * DAY, (tx) => tx.debit(debit('d2', 10)));
    wallet.snapshot = { ...wallet.snapshot, grants: [...wallet.snapshot.grants, resumeResets(wallet.snapshot, stale, wallet.snapshot.wallet.advancedTo)] };
    wallet.at(APR30 + HOUR);
    // Nothing is booked into the past: only the next boundary tops it up.
    assert.deepEqual(rows(wallet.entriesSince(MAR31)), [
      ['debit', 'g', -credits(10), MAR31 + 15 * DAY],
      ['adjustment', 'f', credits(30), APR30],
    ]);
    assertConsistent(wallet);
    // And a past read says the boundaries it missed carried nothing.
    const f = (at: Instant) => asOf(wallet, at).grants.find(({ grant }) => grant.id === 'f')!.grant;
    assert.deepEqual([f(MAR31).available, f(MAR31).rolledOver], [0n, 0n]);
    assert.deepEqual([f(APR30).available, f(APR30).rolledOver], [credits(30), credits(30)]);
  });

  it('a grant scheduled at the time read shows its amount then, not the floor top-ups it received later', () => {
    // Regression: replay took the stored amount, which had grown by later adjustments.
    const wallet = driver();
    const created = JAN31 - 10 * DAY;
    wallet.at(created, (tx) => tx.createSchedule(schedule({ amount: credits(100), resetMinRollover: credits(150) })));
    wallet.at(MAR31);
    assert.equal(wallet.grant('s1-0').amount, credits(150));
    const before = asOf(wallet, created);
    assert.equal(before.scheduled, credits(100));
    assert.deepEqual(
      before.grants.map(({ grant }) => [grant.id, grant.amount, grant.available]),
      [['s1-0', credits(100), credits(100)]],
    );
    assert.equal(asOf(wallet, FEB29).available, credits(150 + 100));
  });
});

describe('crossing many boundaries at once', () => {
  it('a 14-month jump books the same entries and state as stepping one month at a time', () => {
    const setup = (wallet: WalletDriver) => {
      wallet.at(JAN31, (tx) => {
        tx.setUsagePeriod({ period: 'P1M', anchor: JAN31 });
        tx.createSchedule(schedule({ resetMaxRollover: credits(200) }));
        tx.addGrant(newGrant({ id: 'floor', amount: credits(50), effectiveAt: JAN31, resetMinRollover: credits(30), priority: 0 }));
        tx.debit(debit('d1', 400));
      });
    };
    const end = utc('2025-04-01T00:00:00.000Z');
    const once = driver();
    setup(once);
    once.at(end);

    const stepped = driver();
    setup(stepped);
    for (let month = 1; month <= 14; month += 1) {
      const boundary = utc('2024-01-31T09:30:00.000Z');
      const date = new Date(boundary);
      date.setUTCDate(1);
      date.setUTCMonth(date.getUTCMonth() + month);
      const last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
      date.setUTCDate(last);
      stepped.at(date.getTime() - 1);
      stepped.at(date.getTime());
    }
    stepped.at(end);

    assert.deepEqual(stepped.entries, once.entries);
    assert.deepEqual(stepped.snapshot, once.snapshot);
    assert.equal(once.snapshot.grants.length, 16);
    // All older grants of the plan carry 200 together, the newest has its 1000, and the floored grant 30.
    assert.equal(computeBalance(once.snapshot, end).available, credits(200 + 1000 + 30));
    assertConsistent(once);
  });

  it('story: 1000 a month with a rollover cap of 200, mixed usage and a promotion that expires mid-period', () => {
    const wallet = driver();
    const anchor = utc('2024-03-15T00:00:00.000Z');
    const month = (index: number) => utc(['2024-03-15', '2024-04-15', '2024-05-15', '2024-06-15'][index] + 'T00:00:00.000Z');
    wallet.at(anchor, (tx) => {
      tx.setUsagePeriod({ period: 'P1M', anchor });
      tx.createSchedule({ ...schedule({ effectiveAt: anchor, resetMaxRollover: credits(200) }), scheduleId: 's1' });
    });
    // Month 1: a promotion of 300 that expires on Apr 1; usage 600, promotion first.
    wallet.at(anchor + DAY, (tx) => tx.addGrant(newGrant({ id: 'promo', category: 'promotional', amount: credits(300), effectiveAt: anchor + DAY, expiresAt: utc('2024-04-01T00:00:00.000Z') })));
    const d1 = wallet.at(anchor + 2 * DAY, (tx) => tx.debit(debit('d1', 600)));
    assert.deepEqual(d1.allocations, [
      { grantId: 'promo', amount: credits(300) },
      { grantId: 's1-0', amount: credits(300) },
    ]);
    wallet.at(month(1));
    let view = computeBalance(wallet.snapshot, month(1));
    assert.equal(view.available, credits(1200));
    assert.deepEqual(view.period, { start: month(1), end: month(2), usage: 0n });
    assert.deepEqual(rows(wallet.entriesSince(anchor + 3 * DAY)), [
      ['expiry', 's1-0', -credits(500), month(1)],
      ['grant', 's1-1', credits(1000), month(1)],
    ]);
    assertConsistent(wallet);

    // Month 2: heavy usage (everything but 100), a promotion that expires unused mid-period.
    wallet.at(month(1) + DAY, (tx) => tx.debit(debit('d2', 1100)));
    wallet.at(month(1) + 2 * DAY, (tx) => tx.addGrant(newGrant({ id: 'promo2', category: 'promotional', amount: credits(50), effectiveAt: month(1) + 2 * DAY, expiresAt: month(1) + 10 * DAY })));
    wallet.at(month(2));
    view = computeBalance(wallet.snapshot, month(2));
    assert.equal(view.available, credits(1100));
    assert.deepEqual(rows(wallet.entriesSince(month(1) + 3 * DAY)), [
      ['expiry', 'promo2', -credits(50), month(1) + 10 * DAY],
      ['grant', 's1-2', credits(1000), month(2)],
    ]);
    assertConsistent(wallet);

    // Month 3: no usage at all; 1100 left on the plan, of which 200 carry, the oldest expiring first.
    wallet.at(month(3));
    view = computeBalance(wallet.snapshot, month(3));
    assert.equal(view.available, credits(200 + 1000));
    assert.deepEqual(rows(wallet.entriesSince(month(2) + 1)), [
      ['expiry', 's1-1', -credits(100), month(3)],
      ['expiry', 's1-2', -credits(800), month(3)],
      ['grant', 's1-3', credits(1000), month(3)],
    ]);
    assert.deepEqual(
      wallet.snapshot.grants.map((grant) => [grant.id, grant.rolledOver]),
      [
        ['s1-0', credits(200)],
        ['promo', 0n],
        ['s1-1', credits(100)],
        ['promo2', 0n],
        ['s1-2', credits(200)],
        ['s1-3', 0n],
      ],
    );
    assertConsistent(wallet);
  });
});

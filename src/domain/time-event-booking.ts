import { maxAmount, minAmount, ZERO, type Amount } from './amount.ts';
import { nextDueEvent, nextResetAt } from './due-events.ts';
import type { GrantState, HoldState, Instant, ScheduleState } from './types.ts';
import type { WalletLedger } from './wallet-ledger.ts';

/**
 * Books every time-driven event due by `to`, each at its own exact instant, in
 * time order (ties in the order of due-events.ts), then records that the wallet
 * is advanced to `to`. However late this runs, the entries are the same.
 */
export function advanceTo(ledger: WalletLedger, to: Instant): void {
  for (;;) {
    const next = nextDueEvent(ledger.state, to);
    if (!next) break;
    switch (next.kind) {
      case 'activation':
        activate(ledger, next.grant, next.at);
        break;
      case 'hold-expiry':
        endHold(ledger, next.hold, 'expired', next.at);
        ledger.emit({ type: 'hold.expired', holdId: next.hold.id });
        break;
      case 'grant-expiry':
        next.grant.expiredAt = next.at;
        ledger.changedGrant(next.grant);
        if (forfeit(ledger, next.grant, 'expiry', next.at) > 0n) ledger.emit({ type: 'grant.expired', grantId: next.grant.id });
        break;
      case 'grant-reset':
        resetGrants(ledger, [next.grant], next.at);
        break;
      case 'schedule-reset':
        resetSchedule(ledger, next.schedule, next.at);
        break;
      case 'schedule-issue':
        issueFromSchedule(ledger, next.schedule, next.at);
        break;
      case 'period-turnover':
        ledger.state.wallet.periodStart = next.at;
        ledger.state.wallet.periodUsage = ZERO;
        break;
    }
  }
  const wallet = ledger.state.wallet;
  wallet.advancedTo = Math.max(wallet.advancedTo, to);
}

function activate(ledger: WalletLedger, grant: GrantState, at: Instant): void {
  grant.activatedAt = at;
  ledger.changedGrant(grant);
  ledger.book('grant', grant.id, grant.available, ZERO, at);
  repayOverdraft(ledger, grant, at);
}

/** A new grant first pays back an overdraft; only unrestricted grants repay general debt. */
function repayOverdraft(ledger: WalletLedger, grant: GrantState, at: Instant): void {
  const wallet = ledger.state.wallet;
  if (wallet.overdraft === 0n || grant.appliesTo.length > 0) return;
  const repaid = minAmount(wallet.overdraft, grant.available);
  grant.available -= repaid;
  grant.consumed += repaid;
  wallet.overdraft -= repaid;
  ledger.book('repayment', grant.id, -repaid, ZERO, at);
  ledger.book('repayment', null, repaid, ZERO, at);
}

/**
 * What a reset does to `grants` (one grant, or every grant of one recurring
 * schedule due at the boundary): what is left carries over as
 * min(max, max(min, left)), in all, so a plan of "1000 a month, carry at most
 * 200" carries at most 200, not 200 per past month. Above the cap expires, oldest
 * grant first; below the floor is topped up on the newest grant. Held credit is
 * not "left": it belongs to its hold. Pure: replay uses it to know what each
 * grant carried.
 */
export function planReset(grants: readonly GrantState[]): { ordered: GrantState[]; expire: Amount[]; topUp: Amount } {
  const ordered = [...grants].sort((left, right) => left.ordinal - right.ordinal);
  const newest = ordered[ordered.length - 1]!;
  const left = ordered.reduce((total, grant) => total + grant.available, ZERO);
  const floored = newest.resetMinRollover === null ? left : maxAmount(newest.resetMinRollover, left);
  const carried = newest.resetMaxRollover === null ? floored : minAmount(newest.resetMaxRollover, floored);
  let excess = left > carried ? left - carried : ZERO;
  const expire = ordered.map((grant) => {
    const part = minAmount(excess, grant.available);
    excess -= part;
    return part;
  });
  return { ordered, expire, topUp: carried > left ? carried - left : ZERO };
}

/** Books a reset (see planReset): `expiry` entries for the excess, an `adjustment` for a top-up (the grant's amount grows by it). */
function resetGrants(ledger: WalletLedger, grants: GrantState[], at: Instant): void {
  const { ordered, expire, topUp } = planReset(grants);
  ordered.forEach((grant, index) => {
    const expired = expire[index]!;
    if (expired === 0n) return;
    grant.available -= expired;
    grant.expired += expired;
    ledger.book('expiry', grant.id, -expired, ZERO, at);
    ledger.emit({ type: 'grant.updated', grantId: grant.id });
  });
  if (topUp > 0n) {
    const newest = ordered[ordered.length - 1]!;
    newest.amount += topUp;
    newest.available += topUp;
    ledger.book('adjustment', newest.id, topUp, ZERO, at);
    ledger.emit({ type: 'grant.updated', grantId: newest.id });
  }
  for (const grant of ordered) {
    grant.rolledOver += grant.available;
    grant.lastResetAt = at;
    ledger.changedGrant(grant);
  }
}

function resetSchedule(ledger: WalletLedger, schedule: ScheduleState, at: Instant): void {
  const due = ledger.state.grants.filter((grant) => grant.scheduleId === schedule.id && nextResetAt(ledger.state, grant) === at);
  resetGrants(ledger, due, at);
}

function issueFromSchedule(ledger: WalletLedger, schedule: ScheduleState, at: Instant): void {
  const grant = ledger.addGrantState(
    {
      id: ledger.issuedGrantId(schedule.id, schedule.issuedCount),
      amount: schedule.amount,
      category: schedule.category,
      priority: schedule.priority,
      effectiveAt: at,
      expiresAt: null,
      appliesTo: schedule.appliesTo,
      source: 'recurring',
      scheduleId: schedule.id,
      resetMaxRollover: schedule.resetMaxRollover,
      resetMinRollover: schedule.resetMinRollover,
    },
    at,
  );
  ledger.issued(grant);
  schedule.issuedCount += 1;
  ledger.changedSchedule(schedule.id);
}

/** Returns what a hold still holds to its grants; credit coming back to a dead grant is forfeited at once. */
export function endHold(ledger: WalletLedger, hold: HoldState, status: HoldState['status'], at: Instant): void {
  for (const allocation of hold.allocations) {
    if (allocation.amount === 0n) continue;
    const grant = ledger.grant(allocation.grantId);
    grant.held -= allocation.amount;
    grant.available += allocation.amount;
    ledger.book('release', grant.id, allocation.amount, -allocation.amount, at, { holdId: hold.id });
    allocation.amount = ZERO;
    if (grant.voidedAt !== null) forfeit(ledger, grant, 'void', at);
    else if (grant.expiredAt !== null) forfeit(ledger, grant, 'expiry', at);
    ledger.changedGrant(grant);
  }
  hold.status = status;
  hold.endedAt = at;
  ledger.changedHold(hold);
}

export function forfeit(ledger: WalletLedger, grant: GrantState, type: 'void' | 'expiry', at: Instant): Amount {
  const amount = grant.available;
  if (amount === 0n) return ZERO;
  grant.available = ZERO;
  if (type === 'void') grant.voided += amount;
  else grant.expired += amount;
  // A grant that never activated has no entry to reverse.
  if (grant.activatedAt !== null) ledger.book(type, grant.id, -amount, ZERO, at);
  return amount;
}

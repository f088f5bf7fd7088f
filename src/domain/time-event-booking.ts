import { maxAmount, minAmount, ZERO, type Amount } from './amount.ts';
import { nextDueEvent } from './due-events.ts';
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
        resetGrant(ledger, next.grant, next.at);
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
 * At a period boundary: what is left carries over as min(max, max(min, left)).
 * Above the cap expires (an `expiry` entry); below the floor is topped up (an
 * `adjustment` entry, and the grant's amount grows by it). Held credit is not
 * "left": it belongs to its hold.
 */
function resetGrant(ledger: WalletLedger, grant: GrantState, at: Instant): void {
  const left = grant.available;
  const floored = grant.resetMinRollover === null ? left : maxAmount(grant.resetMinRollover, left);
  const carried = grant.resetMaxRollover === null ? floored : minAmount(grant.resetMaxRollover, floored);
  if (carried < left) {
    const expired = left - carried;
    grant.available -= expired;
    grant.expired += expired;
    ledger.book('expiry', grant.id, -expired, ZERO, at);
  } else if (carried > left) {
    const topUp = carried - left;
    grant.amount += topUp;
    grant.available += topUp;
    ledger.book('adjustment', grant.id, topUp, ZERO, at);
  }
  grant.rolledOver += carried;
  grant.lastResetAt = at;
  ledger.changedGrant(grant);
  if (carried !== left) ledger.emit({ type: 'grant.updated', grantId: grant.id });
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

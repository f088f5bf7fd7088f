import type { GrantState, WalletSnapshot, WalletState } from './types.ts';

/**
 * A deep copy, so the engine can work on a snapshot without touching its input. Grants and the wallet are
 * copied field by field, not with `{ ...grant }`: the grants given here come in several shapes (rows read, the
 * engine's own copies), and on Node 20 that spread then took about 0.7 µs per object (a wallet and 5 grants, 4.1
 * to 4.7 µs) on every operation. A copy holds the state's own fields only, whatever else the input object
 * carries (a loaded GrantRecord's name or metadata).
 */
export function cloneSnapshot(snapshot: WalletSnapshot): WalletSnapshot {
  return {
    wallet: cloneWalletState(snapshot.wallet),
    grants: snapshot.grants.map(cloneGrantState),
    holds: snapshot.holds.map((hold) => ({ ...hold, allocations: hold.allocations.map((allocation) => ({ ...allocation })) })),
    schedules: snapshot.schedules.map((schedule) => ({ ...schedule })),
  };
}

function cloneGrantState(grant: GrantState): GrantState {
  return {
    id: grant.id,
    amount: grant.amount,
    available: grant.available,
    held: grant.held,
    consumed: grant.consumed,
    expired: grant.expired,
    voided: grant.voided,
    category: grant.category,
    priority: grant.priority,
    effectiveAt: grant.effectiveAt,
    expiresAt: grant.expiresAt,
    createdAt: grant.createdAt,
    ordinal: grant.ordinal,
    activatedAt: grant.activatedAt,
    expiredAt: grant.expiredAt,
    voidedAt: grant.voidedAt,
    paymentPending: grant.paymentPending,
    paidAt: grant.paidAt,
    // Shared, as the spread shared it: nothing changes a grant's appliesTo after it is made.
    appliesTo: grant.appliesTo,
    source: grant.source,
    scheduleId: grant.scheduleId,
    resetMaxRollover: grant.resetMaxRollover,
    resetMinRollover: grant.resetMinRollover,
    rolledOver: grant.rolledOver,
    lastResetAt: grant.lastResetAt,
    firstEntrySequence: grant.firstEntrySequence,
    lastEntrySequence: grant.lastEntrySequence,
  };
}

function cloneWalletState(wallet: WalletState): WalletState {
  return {
    id: wallet.id,
    overdraftLimit: wallet.overdraftLimit,
    overdraft: wallet.overdraft,
    sequence: wallet.sequence,
    balance: wallet.balance,
    held: wallet.held,
    grantCount: wallet.grantCount,
    advancedTo: wallet.advancedTo,
    period: wallet.period,
    periodAnchor: wallet.periodAnchor,
    periodStart: wallet.periodStart,
    periodUsage: wallet.periodUsage,
  };
}

import { ZERO } from './amount.ts';
import type { GrantState, HoldState, Instant, LedgerEntryDraft, WalletSnapshot, WalletState } from './types.ts';

export interface ReplayInput {
  wallet: Pick<WalletState, 'id' | 'overdraftLimit' | 'grantCount'>;
  /** Every grant of the wallet (their definitions; derived parts are recomputed). */
  grants: GrantState[];
  /** Every hold of the wallet. */
  holds: HoldState[];
  /** The wallet's entries in sequence order. Entries after `at` are ignored. */
  entries: LedgerEntryDraft[];
  at: Instant;
}

/**
 * Rebuilds a wallet's state at `at` from its ledger alone. The ledger is the
 * source of truth: `verify` compares this against the stored projections, and
 * balance reads as of a past time use it. Because every entry of a wallet is
 * booked in time order, the entries up to `at` are a prefix of the sequence.
 */
export function replayWallet(input: ReplayInput): WalletSnapshot {
  const grants = new Map<string, GrantState>();
  for (const definition of input.grants) {
    if (definition.createdAt > input.at) continue;
    grants.set(definition.id, {
      ...definition,
      available: definition.amount,
      held: ZERO,
      consumed: ZERO,
      expired: ZERO,
      voided: ZERO,
      activatedAt: null,
      expiredAt: null,
      voidedAt: definition.voidedAt !== null && definition.voidedAt <= input.at ? definition.voidedAt : null,
    });
  }
  const wallet: WalletState = {
    id: input.wallet.id,
    overdraftLimit: input.wallet.overdraftLimit,
    grantCount: input.wallet.grantCount,
    overdraft: ZERO,
    sequence: 0,
    balance: ZERO,
    held: ZERO,
    lastEntryAt: Number.MIN_SAFE_INTEGER,
  };
  const heldByHold = new Map<string, Map<string, bigint>>();
  for (const entry of input.entries) {
    if (entry.effectiveAt > input.at) break;
    wallet.sequence = entry.sequence;
    wallet.balance += entry.amount;
    wallet.held += entry.heldAmount;
    wallet.lastEntryAt = entry.effectiveAt;
    if (entry.grantId === null) {
      wallet.overdraft -= entry.amount;
      continue;
    }
    const grant = grants.get(entry.grantId);
    if (!grant) throw new Error(`Ledger entry ${entry.sequence} names unknown grant ${entry.grantId}.`);
    grant.available += entry.amount;
    grant.held += entry.heldAmount;
    switch (entry.type) {
      case 'grant':
        grant.activatedAt = entry.effectiveAt;
        grant.available -= entry.amount; // available already starts at the full amount
        break;
      case 'debit':
      case 'repayment':
      case 'adjustment':
        grant.consumed -= entry.amount;
        break;
      case 'capture':
        grant.consumed -= entry.heldAmount;
        break;
      case 'expiry':
        grant.expired -= entry.amount;
        grant.expiredAt = entry.effectiveAt;
        break;
      case 'void':
        grant.voided -= entry.amount;
        break;
      default:
        break;
    }
    if (entry.holdId !== null && entry.heldAmount !== 0n) {
      const perGrant = heldByHold.get(entry.holdId) ?? new Map<string, bigint>();
      perGrant.set(entry.grantId, (perGrant.get(entry.grantId) ?? ZERO) + entry.heldAmount);
      heldByHold.set(entry.holdId, perGrant);
    }
  }
  for (const grant of grants.values()) {
    // Voided before it ever activated: no entry exists, the whole amount is voided.
    if (grant.voidedAt !== null && grant.activatedAt === null) {
      grant.voided += grant.available;
      grant.available = ZERO;
    }
  }
  const holds = input.holds
    .filter((hold) => hold.createdAt <= input.at)
    .map((hold): HoldState => {
      const ended = hold.endedAt !== null && hold.endedAt <= input.at;
      const held = heldByHold.get(hold.id) ?? new Map<string, bigint>();
      return {
        ...hold,
        status: ended ? hold.status : 'active',
        endedAt: ended ? hold.endedAt : null,
        capturedAmount: ended ? hold.capturedAmount : ZERO,
        debitId: ended ? hold.debitId : null,
        allocations: hold.allocations.map((allocation) => ({ grantId: allocation.grantId, amount: held.get(allocation.grantId) ?? ZERO })),
      };
    });
  return { wallet, grants: [...grants.values()], holds };
}

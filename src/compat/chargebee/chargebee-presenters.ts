import { formatAmount, ZERO } from '../../domain/amount.ts';
import type { BalanceView } from '../../domain/balance.ts';
import { grantStatus } from '../../domain/grant-status.ts';
import type { GrantState, Instant } from '../../domain/types.ts';
import type { Metadata, UnitRecord, WalletRecord } from '../../store/records.ts';
import { toSeconds } from './chargebee-params.ts';
import { metadataFromNative } from './chargebee-metadata.ts';
import type { LedgerOperationFacts } from './ledger-operations.ts';
import { subscriptionIdOf } from './subscription-accounts.ts';

/**
 * Chargebee's objects, from Creditbook's. Amounts are decimal strings, times
 * unix seconds; an attribute with no value is left out, as Chargebee does.
 */
const UNIT_TYPE = 'credit_unit' as const;

function subscriptionOf(walletKey: string): { subscription_id?: string } {
  const subscriptionId = subscriptionIdOf(walletKey);
  return subscriptionId === undefined ? {} : { subscription_id: subscriptionId };
}

function metadataOf(metadata: Metadata | undefined): { metadata?: unknown } {
  const value = metadata && metadataFromNative(metadata);
  return value === undefined ? {} : { metadata: value };
}

/**
 * What a block is, in Chargebee's words: credit carried across a period boundary
 * is a rollover; a recurring schedule's issue is a grant renewal; otherwise a
 * promotional grant, or a paid allocation (top-up).
 */
export function grantSourceOf(grant: GrantState): 'promotional_grants' | 'top_up' | 'grant_renewal' | 'rollover' {
  if (grant.rolledOver > 0n) return 'rollover';
  if (grant.source === 'recurring') return 'grant_renewal';
  return grant.category === 'promotional' ? 'promotional_grants' : 'top_up';
}

/**
 * available: spendable credit is left; exhausted: none is (used up, expired or
 * voided); scheduled: not effective yet (or awaiting payment); in_grace_period:
 * expired or voided while a hold still holds part of it, which that hold may
 * still capture.
 */
function blockStatus(grant: GrantState, now: Instant): 'available' | 'exhausted' | 'scheduled' | 'in_grace_period' {
  switch (grantStatus(grant, now)) {
    case 'scheduled':
    case 'payment_pending':
      return 'scheduled';
    case 'active':
      return grant.available > 0n ? 'available' : 'exhausted';
    default:
      return grant.held > 0n ? 'in_grace_period' : 'exhausted';
  }
}

export function grantBlockView(grant: GrantState & { metadata?: Metadata }, wallet: { walletKey: string; unit: string }, now: Instant) {
  const changedAt = Math.max(grant.createdAt, grant.activatedAt ?? 0, grant.expiredAt ?? 0, grant.voidedAt ?? 0);
  return {
    id: grant.id,
    ...subscriptionOf(wallet.walletKey),
    account_type: 'provisioned' as const,
    unit_id: wallet.unit,
    unit_type: UNIT_TYPE,
    granted_amount: formatAmount(grant.amount),
    effective_from: toSeconds(grant.effectiveAt),
    ...(grant.expiresAt === null ? {} : { expires_at: toSeconds(grant.expiresAt) }),
    balance: formatAmount(grant.available),
    hold_amount: formatAmount(grant.held),
    used_amount: formatAmount(grant.consumed),
    expired_amount: formatAmount(grant.expired),
    rolled_over_amount: formatAmount(grant.rolledOver),
    voided_amount: formatAmount(grant.voided),
    status: blockStatus(grant, now),
    grant_source: grantSourceOf(grant),
    created_at: toSeconds(grant.createdAt),
    modified_at: toSeconds(changedAt),
    ...metadataOf(grant.metadata),
  };
}

export type GrantBlockView = ReturnType<typeof grantBlockView>;

/** Facts about the operation's source object that are not on the ledger. */
export interface OperationSource {
  metadata?: Metadata;
  /** When the business event happened, as the caller said (a capture's ledger_operation_timestamp). */
  occurredAt?: Instant;
  /** A hold's expiry: Chargebee's auto_release_timestamp. */
  autoReleaseAt?: Instant;
}

/** Creditbook operation id → the id its caller chose, for operations booked with one (shown as the operation's id). */
export type OperationNames = ReadonlyMap<string, string>;

export function ledgerOperationView(operation: LedgerOperationFacts, source: OperationSource = {}, names: OperationNames = new Map()) {
  return {
    id: names.get(operation.id) ?? operation.id,
    ...subscriptionOf(operation.walletKey),
    unit_id: operation.unit,
    unit_type: UNIT_TYPE,
    type: operation.type,
    amount: formatAmount(operation.amount),
    provisioned_start_balance: formatAmount(operation.provisionedStart),
    provisioned_end_balance: formatAmount(operation.provisionedEnd),
    overdraft_start_balance: formatAmount(operation.overdraftStart),
    overdraft_end_balance: formatAmount(operation.overdraftEnd),
    ...(operation.parentId === null ? {} : { parent_ledger_operation_id: names.get(operation.parentId) ?? operation.parentId }),
    ledger_operation_timestamp: toSeconds(source.occurredAt ?? operation.effectiveAt),
    ...(source.autoReleaseAt === undefined ? {} : { auto_release_timestamp: toSeconds(source.autoReleaseAt) }),
    created_at: toSeconds(operation.createdAt),
    // Operations are immutable once recorded.
    modified_at: toSeconds(operation.createdAt),
    ...metadataOf(source.metadata),
  };
}

export type LedgerOperationView = ReturnType<typeof ledgerOperationView>;

/**
 * The account balances: provisioned credit (what grants hold) and the overdraft
 * account (the wallet's overdraft limit, and what is drawn on it). Creditbook
 * has no unlimited overdraft, and a hold never reserves overdraft room.
 */
export function ledgerAccountBalanceView(wallet: WalletRecord, balance: BalanceView) {
  const changedAt = (wallet as { advancedTo?: Instant; lastEntryAt?: Instant }).advancedTo ?? (wallet as { lastEntryAt?: Instant }).lastEntryAt;
  const room = wallet.overdraftLimit - balance.overdraft;
  return Object.assign({}, subscriptionOf(wallet.walletKey), {
    unit_id: wallet.unit,
    unit_type: UNIT_TYPE,
    created_at: toSeconds(wallet.createdAt),
    modified_at: toSeconds(Math.max(wallet.createdAt, changedAt ?? wallet.createdAt)),
    provisioned_balance: {
      total_balance: formatAmount(balance.available + balance.held),
      usable_balance: formatAmount(balance.available),
      hold_amount: formatAmount(balance.held),
    },
    overdraft_balance: {
      is_unlimited: false,
      limit: formatAmount(wallet.overdraftLimit),
      total_balance: formatAmount(wallet.overdraftLimit),
      usable_balance: formatAmount(room > 0n ? room : ZERO),
      used_amount: formatAmount(balance.overdraft),
      hold_amount: formatAmount(ZERO),
    },
  });
}

export function creditUnitView(unit: UnitRecord) {
  const name = unit.name ?? unit.code;
  return {
    id: unit.code,
    name,
    external_name: name,
    status: 'active' as const,
    created_at: toSeconds(unit.createdAt),
    updated_at: toSeconds(unit.createdAt),
    is_unlimited: false,
  };
}

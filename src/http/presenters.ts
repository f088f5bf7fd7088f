import type { Static } from '@sinclair/typebox';
import { formatAmount } from '../domain/amount.ts';
import type { BalanceView } from '../domain/balance.ts';
import { grantStatus } from '../domain/grant-status.ts';
import type { Allocation, Instant } from '../domain/types.ts';
import type {
  CustomerRecord,
  DebitRecord,
  EventRecord,
  GrantRecord,
  HoldRecord,
  LedgerEntryRecord,
  Page,
  ScheduleRecord,
  UnitRecord,
  WalletRecord,
} from '../store/records.ts';
import {
  BalanceView as BalanceViewSchema,
  CustomerView,
  DebitView,
  EventView,
  GrantView,
  HoldView,
  LedgerEntryView,
  ScheduleView,
  UnitView,
  WalletView,
} from './response-schemas.ts';
import { toOptionalTimestamp, toTimestamp } from '../edge/time.ts';

/**
 * Native API views: camelCase, amounts as decimal strings, times as RFC 3339 with
 * milliseconds and Z. Each returns its response schema's type (response-schemas.ts).
 */
export function walletKeyView(walletKey: string): string | null {
  return walletKey === '' ? null : walletKey;
}

export function allocationsView(allocations: readonly Allocation[]) {
  return allocations.map((allocation) => ({ grantId: allocation.grantId, amount: formatAmount(allocation.amount) }));
}

export function grantView(grant: GrantRecord, now: Instant): Static<typeof GrantView> {
  const status = grantStatus(grant, now);
  return {
    object: 'grant',
    id: grant.id,
    customerId: grant.customerId,
    unit: grant.unit,
    walletKey: walletKeyView(grant.walletKey),
    walletId: grant.walletId,
    amount: formatAmount(grant.amount),
    // Awaiting payment, nothing of it can be spent yet (the balance leaves it out too).
    available: status === 'payment_pending' ? '0' : formatAmount(grant.available),
    held: formatAmount(grant.held),
    consumed: formatAmount(grant.consumed),
    expired: formatAmount(grant.expired),
    voided: formatAmount(grant.voided),
    status,
    category: grant.category,
    priority: grant.priority,
    effectiveAt: toTimestamp(grant.effectiveAt),
    expiresAt: toOptionalTimestamp(grant.expiresAt),
    voidedAt: toOptionalTimestamp(grant.voidedAt),
    createdAt: toTimestamp(grant.createdAt),
    name: grant.name,
    metadata: grant.metadata,
    cost: grant.costAmount === null ? null : { amount: formatAmount(grant.costAmount), currency: grant.costCurrency },
    appliesTo: [...grant.appliesTo],
    source: grant.source,
    scheduleId: grant.scheduleId,
    recurrencePeriod: grant.recurrencePeriod,
    resetMaxRollover: optionalAmount(grant.resetMaxRollover),
    resetMinRollover: optionalAmount(grant.resetMinRollover),
    rolledOver: formatAmount(grant.rolledOver),
  };
}

function optionalAmount(amount: bigint | null): string | null {
  return amount === null ? null : formatAmount(amount);
}

export function scheduleView(schedule: ScheduleRecord): Static<typeof ScheduleView> {
  return {
    object: 'grant_schedule',
    id: schedule.id,
    customerId: schedule.customerId,
    unit: schedule.unit,
    walletKey: walletKeyView(schedule.walletKey),
    amount: formatAmount(schedule.amount),
    category: schedule.category,
    priority: schedule.priority,
    appliesTo: [...schedule.appliesTo],
    recurrencePeriod: schedule.recurrencePeriod,
    anchor: toTimestamp(schedule.anchor),
    issuedCount: schedule.issuedCount,
    endsAt: toOptionalTimestamp(schedule.endsAt),
    status: schedule.cancelledAt !== null ? 'cancelled' : 'active',
    cancelledAt: toOptionalTimestamp(schedule.cancelledAt),
    resetMaxRollover: optionalAmount(schedule.resetMaxRollover),
    resetMinRollover: optionalAmount(schedule.resetMinRollover),
    name: schedule.name,
    metadata: schedule.metadata,
    createdAt: toTimestamp(schedule.createdAt),
  };
}

export function debitView(debit: DebitRecord): Static<typeof DebitView> {
  return {
    object: 'debit',
    id: debit.id,
    customerId: debit.customerId,
    unit: debit.unit,
    walletKey: walletKeyView(debit.walletKey),
    amount: formatAmount(debit.amount),
    consumed: formatAmount(debit.consumed),
    overdrawn: formatAmount(debit.overdrawn),
    shortfall: formatAmount(debit.shortfall),
    feature: debit.feature,
    onInsufficient: debit.policy,
    holdId: debit.holdId,
    allocations: allocationsView(debit.allocations),
    occurredAt: toTimestamp(debit.occurredAt),
    createdAt: toTimestamp(debit.createdAt),
    metadata: debit.metadata,
  };
}

export function holdView(hold: HoldRecord, debit: DebitRecord | null): Static<typeof HoldView> {
  return {
    object: 'hold',
    id: hold.id,
    customerId: hold.customerId,
    unit: hold.unit,
    walletKey: walletKeyView(hold.walletKey),
    amount: formatAmount(hold.amount),
    capturedAmount: formatAmount(hold.capturedAmount),
    feature: hold.feature,
    status: hold.status,
    expiresAt: toTimestamp(hold.expiresAt),
    allocations: allocationsView(hold.allocations),
    debitId: hold.debitId,
    debit: debit && debitView(debit),
    createdAt: toTimestamp(hold.createdAt),
    endedAt: toOptionalTimestamp(hold.endedAt),
    metadata: hold.metadata,
  };
}

export function balanceView(wallet: WalletRecord, balance: BalanceView): Static<typeof BalanceViewSchema> {
  return {
    object: 'balance',
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: walletKeyView(wallet.walletKey),
    at: toTimestamp(balance.at),
    available: formatAmount(balance.available),
    held: formatAmount(balance.held),
    scheduled: formatAmount(balance.scheduled),
    overdraft: formatAmount(balance.overdraft),
    net: formatAmount(balance.net),
    overdraftLimit: formatAmount(wallet.overdraftLimit),
    currentPeriodStart: balance.period && toTimestamp(balance.period.start),
    currentPeriodEnd: balance.period && toTimestamp(balance.period.end),
    usageInPeriod: balance.period && formatAmount(balance.period.usage),
    grants: balance.grants
      // What can be spent, is still to come, or is held: not grants used up (a read now does not load them, a past one would list them).
      .filter(({ status, grant }) => (status === 'active' && grant.available > 0n) || status === 'scheduled' || grant.held > 0n)
      .map(({ grant, status }) => ({
        grantId: grant.id,
        status,
        category: grant.category,
        priority: grant.priority,
        available: formatAmount(grant.available),
        held: formatAmount(grant.held),
        effectiveAt: toTimestamp(grant.effectiveAt),
        expiresAt: toOptionalTimestamp(grant.expiresAt),
        rolledOver: formatAmount(grant.rolledOver),
      })),
  };
}

export function ledgerEntryView(entry: LedgerEntryRecord): Static<typeof LedgerEntryView> {
  return {
    object: 'ledger_entry',
    id: entry.id,
    walletId: entry.walletId,
    customerId: entry.customerId,
    unit: entry.unit,
    walletKey: walletKeyView(entry.walletKey),
    sequence: entry.sequence,
    type: entry.type,
    grantId: entry.grantId,
    debitId: entry.debitId,
    holdId: entry.holdId,
    amount: formatAmount(entry.amount),
    heldAmount: formatAmount(entry.heldAmount),
    balanceAfter: formatAmount(entry.balanceAfter),
    heldAfter: formatAmount(entry.heldAfter),
    effectiveAt: toTimestamp(entry.effectiveAt),
    createdAt: toTimestamp(entry.createdAt),
  };
}

export function customerView(customer: CustomerRecord): Static<typeof CustomerView> {
  return {
    object: 'customer',
    id: customer.id,
    externalId: customer.externalId,
    name: customer.name,
    email: customer.email,
    metadata: customer.metadata,
    createdAt: toTimestamp(customer.createdAt),
  };
}

export function unitView(unit: UnitRecord): Static<typeof UnitView> {
  return { object: 'unit', code: unit.code, scale: unit.scale, name: unit.name, createdAt: toTimestamp(unit.createdAt) };
}

export function walletView(wallet: WalletRecord): Static<typeof WalletView> {
  return {
    object: 'wallet',
    id: wallet.id,
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: walletKeyView(wallet.walletKey),
    overdraftLimit: formatAmount(wallet.overdraftLimit),
    usagePeriod: wallet.period === null || wallet.periodAnchor === null ? null : { period: wallet.period, anchor: toTimestamp(wallet.periodAnchor) },
    createdAt: toTimestamp(wallet.createdAt),
  };
}

export function eventView(event: EventRecord): Static<typeof EventView> {
  return { object: 'event', id: event.id, type: event.type, data: event.data, createdAt: toTimestamp(event.createdAt) };
}

export function listView<T, View>(page: Page<T>, present: (item: T) => View) {
  return { object: 'list', data: page.data.map(present), hasMore: page.hasMore };
}

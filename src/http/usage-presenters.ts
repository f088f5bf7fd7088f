import type { Static } from '@sinclair/typebox';
import { formatAmount } from '../domain/amount.ts';
import type { Booked } from '../app/booked.ts';
import type { EntitlementAnswer } from '../app/entitlements.ts';
import type { UsageReport } from '../app/usage-report.ts';
import type { FeatureRecord, PriceRecord, UsageEventRecord } from '../store/records.ts';
import { toTimestamp } from '../edge/time.ts';
import { allocationsView, walletKeyView } from './presenters.ts';
import { EntitlementCheckView, FeatureView, PriceView, UsageEventView, UsageReportView } from './usage-response-schemas.ts';

export function featureView(feature: FeatureRecord): Static<typeof FeatureView> {
  return {
    object: 'feature',
    key: feature.key,
    name: feature.name,
    dimensions: [...feature.dimensions],
    quantityScale: feature.quantityScale,
    createdAt: toTimestamp(feature.createdAt),
  };
}

export function priceView(price: PriceRecord): Static<typeof PriceView> {
  return {
    object: 'price',
    id: price.id,
    feature: price.feature,
    unit: price.unit,
    amount: formatAmount(price.amount),
    per: formatAmount(price.per),
    dimensions: price.dimensions,
    customerId: price.customerId,
    minimum: price.minimum === null ? null : formatAmount(price.minimum),
    effectiveAt: toTimestamp(price.effectiveAt),
    metadata: price.metadata,
    createdAt: toTimestamp(price.createdAt),
  };
}

/** An event as booked, with the price it was rated by; a new event's answer also shows the balance after it. */
export function usageEventView(event: UsageEventRecord, price: PriceRecord, booked?: Booked): Static<typeof UsageEventView> {
  return {
    object: 'usage_event',
    id: event.id,
    customerId: event.customerId,
    feature: event.feature,
    quantity: formatAmount(event.quantity),
    dimensions: event.dimensions,
    timestamp: toTimestamp(event.occurredAt),
    unit: event.unit,
    walletKey: walletKeyView(event.walletKey),
    price: priceView(price),
    cost: formatAmount(event.cost),
    consumed: formatAmount(event.consumed),
    overdrawn: formatAmount(event.overdrawn),
    shortfall: formatAmount(event.shortfall),
    allocations: allocationsView(event.allocations),
    debitId: event.debitId,
    reservationId: event.reservationId,
    metadata: event.metadata,
    createdAt: toTimestamp(event.createdAt),
    ...(booked ? { balanceAfter: balanceAfterView(booked) } : {}),
  };
}

function balanceAfterView(booked: Booked) {
  const wallet = booked.wallet;
  return { available: formatAmount(wallet.balance + wallet.overdraft), held: formatAmount(wallet.held), overdraft: formatAmount(wallet.overdraft) };
}

export function entitlementView(answer: EntitlementAnswer): Static<typeof EntitlementCheckView> {
  return {
    object: 'entitlement_check',
    allowed: answer.allowed,
    cost: formatAmount(answer.cost),
    available: formatAmount(answer.available),
    reason: answer.reason,
    customerId: answer.rated.address.customerId,
    feature: answer.rated.feature.key,
    quantity: formatAmount(answer.rated.quantity),
    unit: answer.rated.unit.code,
    walletKey: walletKeyView(answer.rated.address.walletKey),
    price: priceView(answer.price),
    reservationId: answer.reservation?.id ?? null,
    reservationExpiresAt: answer.reservation ? toTimestamp(answer.reservation.expiresAt) : null,
    checkedAt: toTimestamp(answer.now),
  };
}

export function usageReportView(report: UsageReport): Static<typeof UsageReportView> {
  const { request } = report;
  return {
    object: 'usage_report',
    customerId: request.customerId,
    feature: request.feature ?? null,
    from: toTimestamp(request.from),
    to: toTimestamp(request.to),
    interval: request.interval,
    groupBy: request.groupBy ?? null,
    data: report.rows.map((row) => ({
      start: toTimestamp(row.start),
      end: toTimestamp(row.end),
      group: row.group,
      unit: row.unit,
      events: row.events,
      quantity: formatAmount(row.quantity),
      cost: formatAmount(row.cost),
      charged: formatAmount(row.charged),
      shortfall: formatAmount(row.shortfall),
    })),
  };
}

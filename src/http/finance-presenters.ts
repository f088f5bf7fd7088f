import type { Static } from '@sinclair/typebox';
import { formatAmount } from '../domain/amount.ts';
import type { GrantRevenue } from '../domain/revenue-report.ts';
import type { RevenueReport } from '../app/revenue-report.ts';
import { formatMinor } from '../payments/money.ts';
import type { CreditNoteRecord } from '../store/payment-records.ts';
import { toOptionalTimestamp, toTimestamp } from '../edge/time.ts';
import type { CreditNoteView, RevenueReportView } from './finance-schemas.ts';

export function creditNoteView(note: CreditNoteRecord): Static<typeof CreditNoteView> {
  return {
    object: 'credit_note',
    id: note.id,
    purchaseId: note.purchaseId,
    grantId: note.grantId,
    customerId: note.customerId,
    credits: formatAmount(note.credits),
    amount: formatMinor(note.amountMinor, note.currency),
    currency: note.currency,
    provider: note.provider,
    status: note.status,
    refundReference: note.refundReference,
    attempts: note.attempts,
    lastError: note.lastError,
    createdAt: toTimestamp(note.createdAt),
    refundedAt: toOptionalTimestamp(note.refundedAt),
  };
}

function revenueParts(revenue: GrantRevenue, currency: string) {
  const part = ({ credits, money }: { credits: bigint; money: bigint }) => ({ credits: formatAmount(credits), money: formatMinor(money, currency) });
  return {
    openingDeferred: part(revenue.opening),
    paid: part(revenue.paid),
    recognised: part(revenue.recognised),
    breakage: part(revenue.breakage),
    refunds: part(revenue.refunded),
    closingDeferred: part(revenue.closing),
  };
}

export function revenueReportView(report: RevenueReport): Static<typeof RevenueReportView> {
  const { currency } = report.query;
  return {
    object: 'revenue_report',
    currency,
    from: toTimestamp(report.query.from),
    to: toTimestamp(report.query.to),
    customerId: report.query.customerId ?? null,
    closed: report.closed,
    ...revenueParts(report.summary, currency),
    withoutRevenue: report.withoutRevenue.map(({ unit, kind, credits }) => ({
      unit,
      kind,
      opening: formatAmount(credits.opening.credits),
      granted: formatAmount(credits.paid.credits),
      consumed: formatAmount(credits.recognised.credits),
      expiredOrVoided: formatAmount(credits.breakage.credits + credits.refunded.credits),
      closing: formatAmount(credits.closing.credits),
    })),
    grants: {
      object: 'list',
      data: report.grants.data.map((row) => ({
        grantId: row.grant.id,
        customerId: row.grant.customerId,
        unit: row.grant.unit,
        source: row.grant.source,
        credits: formatAmount(row.credits),
        price: formatMinor(row.price, currency),
        ...revenueParts(row.revenue, currency),
      })),
      hasMore: report.grants.hasMore,
    },
  };
}

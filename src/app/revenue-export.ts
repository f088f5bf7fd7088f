import type { GrantRevenue } from '../domain/revenue-report.ts';
import { formatMinor } from '../payments/money.ts';
import { column, defineExport, type ExportColumn } from './export-source.ts';
import { streamRevenueReport, untouched, type GrantRevenueRow, type WalkedGrant } from './revenue-report.ts';

/** One paid grant's row, with the report's currency its money is in. */
interface RevenueRow {
  row: GrantRevenueRow;
  currency: string;
}

const parts: ReadonlyArray<[name: string, part: keyof GrantRevenue]> = [
  ['openingDeferred', 'opening'],
  ['paid', 'paid'],
  ['recognised', 'recognised'],
  ['breakage', 'breakage'],
  ['refunds', 'refunded'],
  ['closingDeferred', 'closing'],
];

/**
 * The revenue report's per-grant rows (GET /v1/reports/revenue `grants`), every
 * one of them, streamed: each paid grant priced in the currency that moved or
 * was deferred in [from, to), by grant ID. The rows add up to the report's
 * summary, part by part, to the minor unit; promotional credit and paid grants
 * without a cost carry no revenue and are not rows (the report lists them apart).
 */
export const revenueExport = defineExport<RevenueRow>({
  description:
    'The revenue report of [from, to) in one currency (required), a row per paid grant that moved or was deferred in the period, ordered by grant ID: credits and money per part; the rows add up to the report (GET /v1/reports/revenue). `to` may not be later than now.',
  filters: ['customerId', 'currency'],
  required: ['currency'],
  columns: [
    column('grantId', 'text', ({ row }) => row.grant.id),
    column('customerId', 'text', ({ row }) => row.grant.customerId),
    column('unit', 'text', ({ row }) => row.grant.unit),
    column('source', 'text', ({ row }) => row.grant.source),
    column('currency', 'text', ({ currency }) => currency),
    column('credits', 'amount', ({ row }) => row.credits),
    column('price', 'text', ({ row, currency }) => formatMinor(row.price, currency)),
    ...parts.flatMap(([name, part]): ExportColumn<RevenueRow>[] => [
      column(`${name}Credits`, 'amount', ({ row }) => row.revenue[part].credits),
      column(`${name}Money`, 'text', ({ row, currency }) => formatMinor(row.revenue[part].money, currency)),
    ]),
  ],
  pages: async (dependencies, context, { request, pageSize }) => {
    // Checks the query (currency, `to` not after now) before the first row is read.
    const stream = await streamRevenueReport(dependencies, context, {
      from: request.from,
      to: request.to,
      // Required (`required: ['currency']`): openExport refuses a request without it before the pages are asked for.
      currency: request.currency!,
      customerId: request.customerId,
      limit: pageSize,
      startingAfter: null,
    });
    return pagesOf(stream.grants, stream.query.currency, pageSize);
  },
});

async function* pagesOf(grants: AsyncIterable<WalkedGrant>, currency: string, pageSize: number): AsyncGenerator<RevenueRow[]> {
  let page: RevenueRow[] = [];
  for await (const { grant, price, credits, revenue } of grants) {
    if (price === null || untouched(revenue)) continue;
    page.push({ row: { grant, price, credits, revenue }, currency });
    if (page.length === pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

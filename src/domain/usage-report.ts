import { ZERO, type Amount } from './amount.ts';
import { validationError } from './errors.ts';
import type { Dimensions } from './rating.ts';
import type { Instant } from './types.ts';

export type ReportInterval = 'hour' | 'day' | 'month' | 'total';
/** `feature`, `dimension.<name>`, or null for no grouping. */
export type ReportGrouping = { by: 'feature' } | { by: 'dimension'; name: string } | null;

export interface ReportedEvent {
  feature: string;
  unit: string;
  dimensions: Dimensions;
  occurredAt: Instant;
  quantity: Amount;
  cost: Amount;
  consumed: Amount;
  overdrawn: Amount;
  shortfall: Amount;
}

export interface ReportRow {
  start: Instant;
  end: Instant;
  /** The group's value (a feature key or a dimension value); null without grouping or when an event lacks the dimension. */
  group: string | null;
  unit: string;
  events: number;
  quantity: Amount;
  cost: Amount;
  /** consumed + overdrawn: what the ledger booked. */
  charged: Amount;
  shortfall: Amount;
}

const HOUR_MS = 3_600_000;

export function parseGrouping(text: string | undefined): ReportGrouping {
  if (text === undefined) return null;
  if (text === 'feature') return { by: 'feature' };
  const match = /^dimension\.([A-Za-z][A-Za-z0-9_]{0,39})$/.exec(text);
  if (!match) throw validationError('groupBy', "groupBy is 'feature' or 'dimension.<name>'.");
  return { by: 'dimension', name: match[1]! };
}

/** The UTC bucket containing `at`: [start, end). */
export function bucketOf(at: Instant, interval: ReportInterval, range: { from: Instant; to: Instant }): { start: Instant; end: Instant } {
  if (interval === 'total') return { start: range.from, end: range.to };
  if (interval === 'hour') {
    const start = Math.floor(at / HOUR_MS) * HOUR_MS;
    return { start, end: start + HOUR_MS };
  }
  const date = new Date(at);
  if (interval === 'day') {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    return { start, end: start + 24 * HOUR_MS };
  }
  return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

/**
 * Sums events into rows per (bucket, group, unit), exactly (bigint). Feed it
 * events page by page; `maxRows` bounds its memory, beyond it the caller must
 * narrow the report.
 */
export class UsageReportBuilder {
  private readonly rows = new Map<string, ReportRow>();

  constructor(
    private readonly options: { interval: ReportInterval; grouping: ReportGrouping; from: Instant; to: Instant; maxRows: number },
  ) {}

  add(event: ReportedEvent): void {
    const { start, end } = bucketOf(event.occurredAt, this.options.interval, this.options);
    const grouping = this.options.grouping;
    const group = grouping === null ? null : grouping.by === 'feature' ? event.feature : (event.dimensions[grouping.name] ?? null);
    const key = JSON.stringify([start, group, event.unit]);
    let row = this.rows.get(key);
    if (!row) {
      if (this.rows.size >= this.options.maxRows) {
        throw validationError('interval', `This report would have more than ${this.options.maxRows} rows; narrow from/to, use a longer interval or a coarser groupBy.`);
      }
      row = { start, end, group, unit: event.unit, events: 0, quantity: ZERO, cost: ZERO, charged: ZERO, shortfall: ZERO };
      this.rows.set(key, row);
    }
    row.events += 1;
    row.quantity += event.quantity;
    row.cost += event.cost;
    row.charged += event.consumed + event.overdrawn;
    row.shortfall += event.shortfall;
  }

  /** Rows in time order, then by group and unit. */
  result(): ReportRow[] {
    return [...this.rows.values()].sort(
      (left, right) => left.start - right.start || compareText(left.group ?? '', right.group ?? '') || compareText(left.unit, right.unit),
    );
  }
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

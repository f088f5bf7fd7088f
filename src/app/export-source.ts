import type { Instant } from '../domain/types.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';

/**
 * What an export is (see exports.ts): its columns and how it walks its rows. A
 * source only reads and names values; the edges encode them (CSV or JSON lines).
 */

/**
 * Rows per page of a source whose rows carry the caller's text (`rowsPerPage`): a usage event
 * or a grant with 50 metadata entries of 40 + 500 characters is about 28 KB (a grant's appliesTo
 * adds up to 10 KB). 2,000 such usage events, a page of EXPORT_PAGE_SIZE, made 60 MB that took
 * a second of one turn to read and encode as CSV; 100 make under 3 MB and about 50 ms.
 */
export const LARGE_ROW_PAGE_SIZE = 100;

/** How an edge writes a value: amounts as exact decimal strings, times as RFC 3339. */
export type ExportColumnType = 'text' | 'integer' | 'amount' | 'time' | 'json';
/** text: string | null; integer: number; amount: bigint (Amount) | null; time: Instant | null; json: a plain object or array. */
export type ExportValue = string | number | bigint | null | object;

export interface ExportColumn<Row> {
  name: string;
  type: ExportColumnType;
  value: (row: Row) => ExportValue;
}

/** The optional filters an export may take; each source says which of them it does, and the edges offer only those. */
export const exportFilters = ['customerId', 'unit', 'currency'] as const;
export type ExportFilter = (typeof exportFilters)[number];
export type ExportFilters = { [Filter in ExportFilter]?: string | undefined };

export interface ExportRequest extends ExportFilters {
  /** Inclusive. */
  from: Instant;
  /** Exclusive. */
  to: Instant;
}

/** What a source's walk gets: the checked request, one `now` for the whole export, and the page size. */
export interface ExportWalk {
  request: ExportRequest;
  now: Instant;
  pageSize: number;
}

export interface ExportSource<Row> {
  /** For people (the docs, /openapi.json, `creditbook --help`): what a row is and the order rows come in. */
  description: string;
  filters: readonly ExportFilter[];
  /** Filters of `filters` a request must give (the revenue export's currency). */
  required?: readonly ExportFilter[];
  columns: ReadonlyArray<ExportColumn<Row>>;
  /**
   * Rows a page holds at most, when fewer than EXPORT_PAGE_SIZE: a source whose rows carry text
   * of the caller's (metadata of up to 50 × 540 characters, appliesTo) reads fewer at a time, so
   * that reading and encoding one page stays a short turn of the event loop and a few MB.
   */
  rowsPerPage?: number;
  /**
   * The rows, a page at a time (`walkPages`), each page read in its own snapshot.
   * It is called once the common checks passed (window, kind, filters naming what
   * exists); a source with checks of its own makes them here, before it returns
   * the walk (async), so they too are refused before any row is sent.
   */
  pages: (dependencies: AppDependencies, context: RequestContext, walk: ExportWalk) => AsyncIterable<Row[]> | Promise<AsyncIterable<Row[]>>;
}

/** A source with its row type erased: what the registry holds and the edges read. */
export interface ExportDefinition {
  description: string;
  filters: readonly ExportFilter[];
  required: readonly ExportFilter[];
  columns: ReadonlyArray<{ name: string; type: ExportColumnType }>;
  rowsPerPage: number | undefined;
  /** Each page's rows, each row its values in `columns` order. */
  pages: (dependencies: AppDependencies, context: RequestContext, walk: ExportWalk) => Promise<AsyncIterable<ExportValue[][]>>;
}

export function defineExport<Row>(source: ExportSource<Row>): ExportDefinition {
  return {
    description: source.description,
    filters: source.filters,
    required: source.required ?? [],
    columns: source.columns.map(({ name, type }) => ({ name, type })),
    rowsPerPage: source.rowsPerPage,
    pages: async (dependencies, context, walk) => valuesOf(await source.pages(dependencies, context, walk), source.columns),
  };
}

async function* valuesOf<Row>(pages: AsyncIterable<Row[]>, columns: ReadonlyArray<ExportColumn<Row>>): AsyncGenerator<ExportValue[][]> {
  for await (const page of pages) yield page.map((row) => columns.map((column) => column.value(row)));
}

/** A column of an export source; `value` reads it from the row. */
export function column<Row>(name: string, type: ExportColumnType, value: (row: Row) => ExportValue): ExportColumn<Row> {
  return { name, type, value };
}

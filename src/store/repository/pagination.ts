import { validationError } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import type { Row } from './row-mapping.ts';

/**
 * Cursor pages, newest first (IDs sort by creation time), as Stripe lists do, or
 * oldest first with `order: 'asc'`: `startingAfter` is the last ID of the
 * previous page. A cursor that is not an object of this list's environment is a
 * validation error, not an empty page.
 */
export async function fetchPage<T>(input: {
  executor: SqlExecutor;
  table: string;
  environmentId: string;
  where: string[];
  params: unknown[];
  page: PageRequest;
  map: (row: Row) => T;
  /**
   * On SQLite, the table's primary-key index, for a list no filter narrows to an index of its own: without
   * statistics the planner takes any index that starts with `environment_id` and sorts the whole environment for
   * every page (27 ms a page of 20 at 30,000 rows; the index hint walks the key, 0.2 ms).
   */
  primaryKeyIndex?: string | undefined;
}): Promise<Page<T>> {
  const ascending = input.page.order === 'asc';
  const table = input.primaryKeyIndex === undefined ? input.table : `${input.table} INDEXED BY ${input.primaryKeyIndex}`;
  const where = ['environment_id = ?', ...input.where];
  const params: unknown[] = [input.environmentId, ...input.params];
  if (input.page.startingAfter !== null) {
    const cursor = await input.executor.get<Row>(`SELECT id FROM ${input.table} WHERE environment_id = ? AND id = ?`, [
      input.environmentId,
      input.page.startingAfter,
    ]);
    if (!cursor) throw validationError('startingAfter', `No object with id '${input.page.startingAfter}' to start after.`);
    where.push(ascending ? 'id > ?' : 'id < ?');
    params.push(input.page.startingAfter);
  }
  const rows = await input.executor.all<Row>(
    `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
    [...params, input.page.limit + 1],
  );
  return { data: rows.slice(0, input.page.limit).map(input.map), hasMore: rows.length > input.page.limit };
}

/** Where a window starts: beyond `key` in the walk's direction, or at it when `inclusive`. */
export interface WindowStart {
  key: readonly unknown[];
  inclusive: boolean;
}

/**
 * One bounded window of a list walked along its order index, for a list whose filters no index serves (the caller
 * reads such windows one after another, a turn of the event loop apart: app/list-windows.ts). The window is the next
 * `window` entries of the index from `start` (null: the list's first) that meet `scope` (the equalities the index
 * itself serves, such as the environment of `(environment_id, effective_at, id)`; none for a primary key of `id`
 * alone) and `farBound` (conditions on the order's first column bounding the far side of the walk, if any); the rows
 * of the window that meet `where` are returned, at most `limit`, in the list's order. `reached` is the key of the
 * last entry the window covered (the last row returned when `limit` cut it short), or null when the list ends within
 * it. One statement finds the window's far end (an index walk of `window` entries), one reads the rows between the
 * start and it (an index range bounded on both sides, by keys alone: a second condition on one side, such as a time
 * bound, would let SQLite's planner take it instead and walk past the window): neither examines more than `window`
 * entries, however few match.
 */
export async function fetchWindow<T>(input: {
  executor: SqlExecutor;
  /** The table, with its index hint where the store takes them. */
  table: string;
  /** The order's columns, ending in `id`: a row's key. */
  keyColumns: readonly string[];
  scope: { where: string[]; params: unknown[] };
  farBound?: { where: string[]; params: unknown[] } | undefined;
  where: string[];
  params: unknown[];
  start: WindowStart | null;
  descending: boolean;
  window: number;
  limit: number;
  map: (row: Row) => T;
}): Promise<{ rows: T[]; reached: unknown[] | null }> {
  const key = input.keyColumns.length === 1 ? input.keyColumns[0]! : `(${input.keyColumns.join(', ')})`;
  const tuple = input.keyColumns.length === 1 ? '?' : `(${input.keyColumns.map(() => '?').join(', ')})`;
  const direction = input.descending ? 'DESC' : 'ASC';
  const order = input.keyColumns.map((column) => `${column} ${direction}`).join(', ');
  const span = [...input.scope.where];
  const spanParams = [...input.scope.params];
  if (input.start !== null) {
    span.push(`${key} ${input.descending ? '<' : '>'}${input.start.inclusive ? '=' : ''} ${tuple}`);
    spanParams.push(...input.start.key);
  }
  const far = input.farBound ?? { where: [], params: [] };
  const walked = [...span, ...far.where];
  // An unbounded window (a store whose reads leave the event loop free) is the one statement: filter, order, limit.
  const end = Number.isFinite(input.window)
    ? await input.executor.get<Row>(
        `SELECT ${input.keyColumns.join(', ')} FROM ${input.table} ${walked.length === 0 ? '' : `WHERE ${walked.join(' AND ')}`} ORDER BY ${order} LIMIT 1 OFFSET ?`,
        [...spanParams, ...far.params, input.window - 1],
      )
    : undefined;
  // Every entry between the start and the window's far end meets the far bound, as that end does: the end's key replaces it.
  const where = [...span, ...(end ? [`${key} ${input.descending ? '>=' : '<='} ${tuple}`] : far.where), ...input.where];
  const params = [...spanParams, ...(end ? input.keyColumns.map((column) => end[column]) : far.params), ...input.params];
  const rows = await input.executor.all<Row>(`SELECT * FROM ${input.table} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY ${order} LIMIT ?`, [
    ...params,
    input.limit,
  ]);
  const last = rows.length === input.limit ? rows.at(-1) : end;
  return { rows: rows.map(input.map), reached: last ? input.keyColumns.map((column) => last[column]) : null };
}

/** A window along a table's primary key `id` alone (fetchWindow), its key an ID. */
export async function idWindow<T>(
  executor: SqlExecutor,
  table: string,
  filters: { where: string[]; params: unknown[] },
  input: { after: string | null; descending: boolean; window: number; limit: number },
  map: (row: Row) => T,
): Promise<{ rows: T[]; reached: string | null }> {
  const { rows, reached } = await fetchWindow({
    executor,
    table,
    keyColumns: ['id'],
    scope: { where: [], params: [] },
    ...filters,
    start: input.after === null ? null : { key: [input.after], inclusive: false },
    descending: input.descending,
    window: input.window,
    limit: input.limit,
    map,
  });
  return { rows, reached: reached === null ? null : String(reached[0]) };
}

/** A position in a time-ordered walk: the time column's value and the ID of the last row read. */
export interface KeysetCursor {
  at: number;
  id: string;
}

/** One bounded page of a walk over [from, to) of a table's time column, in (time, id) order. */
export interface TimeWalkPage {
  environmentId: string;
  customerId?: string | undefined;
  unit?: string | undefined;
  from: number;
  to: number;
  /** The last row of the previous page; null for the first page. */
  after: KeysetCursor | null;
  limit: number;
}

/**
 * Keyset pages for exports and reports: `(time, id) > (after)` is the start of
 * an index range (see migration 13), so every page costs the same however deep
 * the walk is, and a row never moves between pages as it could with offsets.
 * The cursor replaces `from` as the lower bound (it is a row at or after it):
 * with both, SQLite would start the range at `from` and filter its way to the
 * cursor on every page. Where the store takes index hints (`indexedBy`), the
 * caller names the index: without statistics SQLite's planner may prefer the
 * environment-wide index even when a customer is named.
 */
export async function fetchKeysetPage<T>(input: {
  executor: SqlExecutor;
  capabilities: StoreCapabilities;
  table: string;
  timeColumn: string;
  page: TimeWalkPage;
  /** Equality filters by column; an undefined value means "no filter". */
  filters: Record<string, string | undefined>;
  /** The index that serves this walk. */
  index: string;
  map: (row: Row) => T;
}): Promise<T[]> {
  const { page, timeColumn } = input;
  const equal = equalityFilters(input.filters);
  const where = ['environment_id = ?', ...equal.where];
  const params: unknown[] = [page.environmentId, ...equal.params];
  if (page.after) {
    where.push(`(${timeColumn}, id) > (?, ?)`);
    params.push(page.after.at, page.after.id);
  } else {
    where.push(`${timeColumn} >= ?`);
    params.push(page.from);
  }
  where.push(`${timeColumn} < ?`);
  params.push(page.to);
  const table = input.capabilities.indexedBy ? `${input.table} INDEXED BY ${input.index}` : input.table;
  const rows = await input.executor.all<Row>(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${timeColumn}, id LIMIT ?`, [...params, page.limit]);
  return rows.map(input.map);
}

/** `column = ?` conditions for the filters that are set; an undefined value means "no filter". */
export function equalityFilters(filters: Record<string, unknown>): { where: string[]; params: unknown[] } {
  const set = Object.entries(filters).filter(([, value]) => value !== undefined);
  return { where: set.map(([column]) => `${column} = ?`), params: set.map(([, value]) => value) };
}

export interface TimeRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

const RANGE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** `column >= ?`-style conditions for the bounds that are set. */
export function rangeFilters(column: string, range: TimeRange | undefined): { where: string[]; params: unknown[] } {
  const set = (Object.keys(RANGE_OPERATORS) as Array<keyof TimeRange>).filter((bound) => range?.[bound] !== undefined);
  return { where: set.map((bound) => `${column} ${RANGE_OPERATORS[bound]} ?`), params: set.map((bound) => range![bound]) };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** `column` starts with `prefix` (taken literally); no condition when the prefix is undefined. */
export function prefixFilter(column: string, prefix: string | undefined): { where: string[]; params: unknown[] } {
  if (prefix === undefined) return { where: [], params: [] };
  return { where: [`${column} LIKE ? ESCAPE '\\'`], params: [`${escapeLike(prefix)}%`] };
}

/** A case-insensitive substring match on any of `columns`; `%`, `_` and `\` in the text match themselves. */
export function searchFilter(columns: readonly string[], text: string | undefined): { where: string[]; params: unknown[] } {
  if (text === undefined || text === '') return { where: [], params: [] };
  const pattern = `%${escapeLike(text.toLowerCase())}%`;
  return { where: [`(${columns.map((column) => `LOWER(${column}) LIKE ? ESCAPE '\\'`).join(' OR ')})`], params: columns.map(() => pattern) };
}

/** Combines filter fragments into one where/params pair. */
export function allFilters(...parts: Array<{ where: string[]; params: unknown[] }>): { where: string[]; params: unknown[] } {
  return { where: parts.flatMap((part) => part.where), params: parts.flatMap((part) => part.params) };
}

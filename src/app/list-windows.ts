import { setImmediate as nextTurn } from 'node:timers/promises';
import { validationError } from '../domain/errors.ts';
import type { Page, PageRequest } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';

/**
 * How many entries of a list's order index one read of a windowed walk covers, unless the caller says otherwise.
 * A filter no index serves (`GET /v1/ledger-entries?type=void`, `/v1/debits?feature=…`, `/v1/events?type=…`)
 * otherwise ran as one statement that scanned until it found a page of matches: 145–230 ms on the event loop
 * (up to 1.1 s with a cold cache) at 380,000 rows, growing with the environment. 2,000 rows examined a read
 * (a few milliseconds on SQLite, rows mostly in cache) keeps each read short while a dense filter still fills a
 * page in one read; a sparse one costs more reads, a turn of the event loop apart, never a long block.
 */
export const WINDOW_ROWS = 2000;

/** One window's read: the matches among the next `window` entries beyond `after`, at most `limit`, and where it stopped. */
export type ReadWindow<Row, Key> = (
  repository: Repository,
  input: { after: Key | null; descending: boolean; window: number; limit: number },
) => Promise<{ rows: Row[]; reached: Key | null }>;

/**
 * A page of a list walked in windows along its order index (`fetchWindow` in store/repository/pagination.ts): each
 * window in a read of its own, the next a turn of the event loop later, until the page and one more row are found
 * or the list ends. The page is what one statement over the whole list would give (same order, cursor, `limit`
 * and `hasMore`), with one difference only for rows written meanwhile: each window is its own snapshot, so a row
 * committed during the walk is listed if its place is in a window not yet read. Ledger entries, debits and events
 * are only ever appended, so every row that existed when the walk began is read exactly as it was, and one
 * written meanwhile behind the walk is missed exactly as it would be had it been written just after this page
 * (by the next page too, whose cursor is beyond its place). Only where the store's reads block the event loop
 * (`readsBlockEventLoop`: SQLite): PostgreSQL's list is one statement, as a window with no bound, which its
 * planner serves from the table's statistics (a small environment's holds, audit log, credit notes or wallets
 * in under a millisecond, against 100–220 ms walked in windows of four round trips each).
 */
export async function pageInWindows<Row, Key>(
  dependencies: AppDependencies,
  start: Key | null,
  page: PageRequest,
  readWindow: ReadWindow<Row, Key>,
  options: { windowRows?: number | undefined } = {},
): Promise<Page<Row>> {
  // Where reads leave the event loop free (PostgreSQL), one unbounded window: the list's one statement.
  const window = options.windowRows ?? (dependencies.store.capabilities.readsBlockEventLoop ? WINDOW_ROWS : Number.POSITIVE_INFINITY);
  const descending = page.order !== 'asc';
  const wanted = page.limit + 1;
  const found: Row[] = [];
  let after = start;
  for (let reads = 0; found.length < wanted; reads += 1) {
    if (reads > 0) await nextTurn();
    const { rows, reached } = await dependencies.store.read((repository) => readWindow(repository, { after, descending, window, limit: wanted - found.length }));
    found.push(...rows);
    if (reached === null) break;
    after = reached;
  }
  return { data: found.slice(0, page.limit), hasMore: found.length > page.limit };
}

/**
 * pageInWindows along an order of IDs (a primary key, or an index of `(…, id)`), from the page's cursor. The cursor
 * must be an object of the list's environment (`exists`): a window starts beyond any ID, so an unknown one would
 * otherwise list from wherever it sorts; one statement (`fetchPage`) answers a validation error, and so does this.
 */
export async function pageInIdWindows<Row>(
  dependencies: AppDependencies,
  page: PageRequest,
  exists: (repository: Repository, id: string) => Promise<unknown>,
  readWindow: ReadWindow<Row, string>,
  options: { windowRows?: number | undefined } = {},
): Promise<Page<Row>> {
  const cursor = page.startingAfter;
  if (cursor !== null && !(await dependencies.store.read((repository) => exists(repository, cursor)))) {
    throw validationError('startingAfter', `No object with id '${cursor}' to start after.`);
  }
  return pageInWindows(dependencies, cursor, page, readWindow, options);
}

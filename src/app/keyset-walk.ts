import { setImmediate as nextTurn } from 'node:timers/promises';
import type { KeysetCursor } from '../store/repository/pagination.ts';

/**
 * Walks rows in (time, id) order a bounded page at a time: each page is read in
 * its own snapshot (`read`), so a long walk never holds a read open, and the walk
 * yields to the event loop between pages, so it never blocks other requests for
 * longer than one page takes. Memory is one page, whatever the walk's length.
 */
export async function* walkPages<Row>(
  read: (after: KeysetCursor | null, limit: number) => Promise<Row[]>,
  cursorOf: (row: Row) => KeysetCursor,
  pageSize: number,
): AsyncGenerator<Row[]> {
  let after: KeysetCursor | null = null;
  for (;;) {
    const page: Row[] = await read(after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = cursorOf(page[page.length - 1]!);
    await nextTurn();
  }
}

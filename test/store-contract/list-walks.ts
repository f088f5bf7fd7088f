import assert from 'node:assert/strict';
import type { Store } from '../../src/store/port.ts';
import type { Page } from '../../src/store/records.ts';
import type { Repository } from '../../src/store/repository/repository.ts';
import type { RawDatabase } from '../support/raw-database.ts';

/** How the list tests see a walk: what the store was asked and what it holds, never how long anything took. */

/** Counts the store's reads of one table's queries (`table`), the rows each returned, and turns of the event loop meanwhile. */
export async function watched<T>(store: Store, table: keyof Repository, work: () => Promise<T>): Promise<{ result: T; reads: number; largest: number; turns: number }> {
  const original = store.read;
  let reads = 0;
  let largest = 0;
  const count = (result: unknown) => {
    const rows = Array.isArray(result) ? result : result && typeof result === 'object' && 'rows' in result ? (result as { rows: unknown[] }).rows : result && typeof result === 'object' && 'data' in result ? (result as Page<unknown>).data : undefined;
    if (rows === undefined) return;
    reads += 1;
    largest = Math.max(largest, rows.length);
  };
  const queries = (target: object) =>
    new Proxy(target, {
      get(inner, property) {
        const value = Reflect.get(inner, property);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result = await value.apply(inner, args);
          count(result);
          return result;
        };
      },
    });
  store.read = ((work: (repository: Repository) => Promise<unknown>) =>
    original.call(store, (repository: Repository) =>
      work(new Proxy(repository, { get: (target, property) => (property === table ? queries(Reflect.get(target, property) as object) : Reflect.get(target, property)) })),
    )) as typeof store.read;
  let turns = 0;
  let running = true;
  const tick = () => {
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const result = await work();
    return { result, reads, largest, turns };
  } finally {
    running = false;
    store.read = original;
  }
}

/** An environment's rows of `table` as stored, in ID order, read from outside the stores: what one statement lists. */
export function storedRows(raw: RawDatabase, table: string, environmentId: string): Promise<Array<Record<string, unknown>>> {
  return raw.all(`SELECT * FROM ${table} WHERE environment_id = ? ORDER BY id`, [environmentId]);
}

/**
 * Asserts that a walk read `table` in windows of at most `window` entries of an index of `entries` (every environment's
 * rows, or a key's), at least one read a window, a turn of the event loop apart: it must cover them all to find that
 * the list ends.
 */
export function assertWindowed(walk: { reads: number; largest: number; turns: number }, entries: number, window: number): void {
  assert.ok(walk.reads >= Math.ceil(entries / window), `reads: ${walk.reads} for ${entries} entries in windows of ${window}`);
  assert.ok(walk.largest <= window, `the most rows one read returned: ${walk.largest}`);
  assert.ok(walk.turns >= walk.reads - 2, `turns of the event loop: ${walk.turns} for ${walk.reads} reads`);
}

/** How many rows `table` holds, of every environment. */
export async function countRows(raw: RawDatabase, table: string): Promise<number> {
  const [row] = await raw.all<{ count: unknown }>(`SELECT COUNT(*) AS count FROM ${table}`);
  return Number(row!.count);
}

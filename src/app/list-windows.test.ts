import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoreCapabilities } from '../store/sql-executor.ts';
import type { AppDependencies } from './dependencies.ts';
import { pageInWindows, WINDOW_ROWS } from './list-windows.ts';

/** Just enough of the app's dependencies for pageInWindows: a store with these capabilities whose reads run the work. */
function dependenciesOver(readsBlockEventLoop: boolean): AppDependencies {
  const capabilities = { readsBlockEventLoop } as StoreCapabilities;
  return { store: { capabilities, read: (work: (repository: never) => unknown) => work(undefined as never) } } as unknown as AppDependencies;
}

it('walks windows of WINDOW_ROWS where reads block the event loop, and reads the list as one unbounded window where they do not', async () => {
  for (const [blocks, expected] of [
    [true, WINDOW_ROWS],
    [false, Number.POSITIVE_INFINITY],
  ] as const) {
    const windows: number[] = [];
    const page = await pageInWindows<string, string>(dependenciesOver(blocks), null, { limit: 2, startingAfter: null, order: 'desc' }, async (_repository, input) => {
      windows.push(input.window);
      return { rows: ['a', 'b', 'c'], reached: 'c' };
    });
    assert.deepEqual(page, { data: ['a', 'b'], hasMore: true });
    assert.deepEqual(windows, [expected]);
  }
});

it('keeps a window size the caller gives on either store', async () => {
  const windows: number[] = [];
  await pageInWindows<string, string>(dependenciesOver(false), null, { limit: 1, startingAfter: null, order: 'asc' }, async (_repository, input) => {
    windows.push(input.window);
    return { rows: [], reached: null };
  }, { windowRows: 7 });
  assert.deepEqual(windows, [7]);
});

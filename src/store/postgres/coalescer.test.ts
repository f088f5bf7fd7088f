import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Coalescer, type BatchOutcome, type CoalescedItem } from './coalescer.ts';

it('runs the first item alone, then everything that queued meanwhile as one batch, per key', async () => {
  const batches: string[][] = [];
  let release: () => void = () => {};
  const coalescer = new Coalescer(async (items: CoalescedItem[]): Promise<BatchOutcome[]> => {
    batches.push(items.map((item) => String(item.work)));
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    return items.map((item) => (item.work === 'bad' ? { ok: false, error: new Error('bad') } : { ok: true, value: `${item.work}!` }));
  });
  const first = coalescer.submit('wallet-a', 'one');
  const queued = ['two', 'bad', 'three'].map((work) => coalescer.submit('wallet-a', work).catch((error: Error) => error.message));
  const other = coalescer.submit('wallet-b', 'elsewhere');
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.deepEqual(await Promise.all([first, ...queued, other]), ['one!', 'two!', 'bad', 'three!', 'elsewhere!']);
  assert.deepEqual(batches, [['one'], ['elsewhere'], ['two', 'bad', 'three']]);
});

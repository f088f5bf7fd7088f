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

it('starts the next batch once one is sent, which takes in what arrives until it is sent itself', async () => {
  const batches: string[][] = [];
  const sentBatches: string[][] = [];
  let releaseFirst: () => void = () => {};
  let firstEnded = false;
  const coalescer = new Coalescer(async (items: CoalescedItem[], _key, control): Promise<BatchOutcome[]> => {
    const started = items.map((item) => String(item.work));
    batches.push(started);
    if (batches.length === 1) {
      control.sent();
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      firstEnded = true;
    } else if (batches.length === 2) {
      // The second batch runs while the first is still on its way, and takes in what arrives before the first ends.
      assert.equal(firstEnded, false);
      while (!firstEnded) {
        control.more((item) => item.work !== 'plain');
        await control.arrival();
      }
      control.more((item) => item.work !== 'plain');
      sentBatches.push(items.map((item) => String(item.work)));
    }
    return items.map((item) => ({ ok: true, value: `${item.work}!` }));
  });
  const first = coalescer.submit('wallet', 'one');
  await new Promise((resolve) => setImmediate(resolve));
  const second = coalescer.submit('wallet', 'two');
  await new Promise((resolve) => setImmediate(resolve));
  const third = coalescer.submit('wallet', 'three');
  const plain = coalescer.submit('wallet', 'plain');
  const fourth = coalescer.submit('wallet', 'four');
  await new Promise((resolve) => setImmediate(resolve));
  releaseFirst();
  // Wakes the second batch, which sees the first ended.
  const fifth = coalescer.submit('wallet', 'five');
  assert.deepEqual(await Promise.all([first, second, third, plain, fourth, fifth]), ['one!', 'two!', 'three!', 'plain!', 'four!', 'five!']);
  // `plain` was not taken in, so neither was anything queued behind it.
  assert.deepEqual(batches[0], ['one']);
  assert.deepEqual(sentBatches, [['two', 'three']]);
  assert.deepEqual(batches.slice(2), [['plain', 'four', 'five']]);
});

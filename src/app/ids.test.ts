import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createIdFactory } from './ids.ts';

it('makes prefixed IDs that sort in creation order, within and across milliseconds', () => {
  let time = 1_700_000_000_000;
  const newId = createIdFactory(() => time);
  const ids: string[] = [];
  for (let index = 0; index < 2000; index += 1) {
    if (index % 500 === 0) time += 1;
    ids.push(newId('grt'));
  }
  assert.ok(ids.every((id) => /^grt_[0-9a-hjkmnp-tv-z]{26}$/.test(id)));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

it('stays monotonic when the clock steps back', () => {
  let time = 2_000;
  const newId = createIdFactory(() => time);
  const first = newId('le');
  time = 1_000;
  const second = newId('le');
  assert.ok(second > first);
});

it('encodes the time in the first ten characters', () => {
  const newId = createIdFactory(() => 0);
  assert.equal(newId('x').slice(2, 12), '0000000000');
  const later = createIdFactory(() => 2 ** 48 - 1);
  assert.equal(later('x').slice(2, 12), '7zzzzzzzzz');
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
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

/** The reference: Crockford base32 of the whole 130-bit number (48 bits of time, 80 random), one character at a time. */
function referenceDecode(id: string): { time: bigint; random: bigint } {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const text = id.slice(id.indexOf('_') + 1);
  const value = [...text].reduce((sum, character) => sum * 32n + BigInt(alphabet.indexOf(character)), 0n);
  return { time: value >> 80n, random: value & ((1n << 80n) - 1n) };
}

it('encodes the time and the random bytes exactly, and counts up by one within a millisecond (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), (time, bytes, count) => {
      const newId = createIdFactory(
        () => time,
        (pool) => pool.set(bytes),
      );
      const start = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
      for (let index = 0; index < count; index += 1) {
        const decoded = referenceDecode(newId('le'));
        assert.equal(decoded.time, BigInt(time));
        assert.equal(decoded.random, (start + BigInt(index)) % (1n << 80n));
      }
    }),
  );
});

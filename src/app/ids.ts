import { randomFillSync } from 'node:crypto';

/**
 * Prefixed, time-sortable IDs: `grt_` + 10 characters of millisecond time + 16
 * random characters, in Crockford base32, lower case (a ULID). IDs made in the
 * same millisecond by one process increase monotonically, so creation order is
 * ID order. Random bytes come from a pooled buffer: one syscall per 512 IDs.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const POOL_SIZE = 512 * 10;

export function createIdFactory(now: () => number = Date.now): (prefix: string) => string {
  const pool = Buffer.alloc(POOL_SIZE);
  let poolOffset = POOL_SIZE;
  let lastTime = -1;
  const lastRandom = new Uint8Array(10);

  const freshRandom = () => {
    if (poolOffset + 10 > POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    lastRandom.set(pool.subarray(poolOffset, poolOffset + 10));
    poolOffset += 10;
  };

  const incrementRandom = () => {
    for (let index = 9; index >= 0; index -= 1) {
      lastRandom[index] = (lastRandom[index]! + 1) & 0xff;
      if (lastRandom[index] !== 0) return;
    }
  };

  return (prefix) => {
    let time = now();
    if (time > lastTime) {
      lastTime = time;
      freshRandom();
    } else {
      time = lastTime; // same millisecond (or a clock step back): stay monotonic
      incrementRandom();
    }
    let text = '';
    for (let shift = 45; shift >= 0; shift -= 5) text += ALPHABET[Math.floor(time / 2 ** shift) % 32];
    // 80 random bits → 16 characters, 5 bits each.
    let buffer = 0;
    let bits = 0;
    for (const byte of lastRandom) {
      buffer = (buffer << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        text += ALPHABET[(buffer >> bits) & 31];
      }
      buffer &= (1 << bits) - 1;
    }
    return `${prefix}_${text}`;
  };
}

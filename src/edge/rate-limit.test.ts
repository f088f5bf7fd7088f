import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RateLimiter } from './rate-limit.ts';

it('allows a burst of the rate, then refills at the rate, per key', () => {
  const limiter = new RateLimiter(2);
  assert.equal(limiter.take('a', 0), 0);
  assert.equal(limiter.take('a', 0), 0);
  assert.equal(limiter.take('a', 0), 500, 'the third request waits half a second');
  assert.equal(limiter.take('b', 0), 0, 'another key has its own bucket');
  assert.equal(limiter.take('a', 499), 2);
  assert.equal(limiter.take('a', 500), 0);
  assert.equal(limiter.take('a', 10_000), 0);
  assert.equal(limiter.take('a', 10_000), 0, 'a long pause refills the burst, no more');
  assert.ok(limiter.take('a', 10_000) > 0);
});

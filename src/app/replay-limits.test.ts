import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReplayWork, REPLAY_LIMITS } from './balances.ts';

describe('a past balance replays a bounded amount of ledger', () => {
  const limits = { maxEntries: 1000, maxReplayed: 10_000 };

  it('lets a replay within the limits through', () => {
    checkReplayWork(1000, 1, 'at', limits);
    checkReplayWork(100, 100, 'interval', limits);
    checkReplayWork(REPLAY_LIMITS.maxEntries, 1, 'at');
  });

  it('refuses more entries than the limit, or entries × points beyond it, naming the parameter', () => {
    assert.throws(() => checkReplayWork(1001, 1, 'at', limits), (error: Error & { code?: string; param?: string }) => {
      assert.equal(error.code, 'validation_error');
      assert.equal(error.param, 'at');
      assert.match(error.message, /1001 ledger entries.*GET \/v1\/ledger-entries/);
      return true;
    });
    assert.throws(() => checkReplayWork(101, 100, 'interval', limits), (error: Error & { param?: string }) => error.param === 'interval' && /fewer points/.test(error.message));
    assert.throws(() => checkReplayWork(REPLAY_LIMITS.maxEntries + 1, 1, 'at'));
  });
});

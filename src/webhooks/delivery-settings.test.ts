import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DELIVERY_SETTINGS, retryDelay } from './delivery-settings.ts';
import { subscribes } from './fan-out.ts';

describe('webhook delivery settings', () => {
  const settings = { ...DEFAULT_DELIVERY_SETTINGS, retryBaseMs: 1000, retryMaxMs: 10_000 };

  it('backs off exponentially up to the cap, with at most 10% jitter taken off', () => {
    const noJitter = () => 0;
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(settings, attempt, noJitter)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.equal(retryDelay(settings, 3, () => 1), 3600);
  });

  it('matches event types: all, exact, or a family', () => {
    assert.equal(subscribes({ eventTypes: ['*'] }, 'grant.created'), true);
    assert.equal(subscribes({ eventTypes: ['invoice.paid'] }, 'invoice.paid'), true);
    assert.equal(subscribes({ eventTypes: ['invoice.paid'] }, 'invoice.paid.v0'), false);
    assert.equal(subscribes({ eventTypes: ['invoice.*'] }, 'invoice.paid.v0'), true);
    assert.equal(subscribes({ eventTypes: ['balance.*'] }, 'balances.low'), false);
  });
});

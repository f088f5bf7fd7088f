import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monthStartBefore } from './format.ts';

describe('monthStartBefore', () => {
  it("is the UTC month's start, whatever the time of day", () => {
    assert.equal(monthStartBefore(Date.parse('2026-12-04T22:01:16.123Z')), '2026-12-01T00:00');
    assert.equal(monthStartBefore(Date.parse('2026-02-28T23:59:59.999Z')), '2026-02-01T00:00');
  });

  it("is the month before within a month's first minute, so from is always before now", () => {
    assert.equal(monthStartBefore(Date.parse('2026-12-01T00:00:59.999Z')), '2026-11-01T00:00');
    assert.equal(monthStartBefore(Date.parse('2027-01-01T00:00:00.000Z')), '2026-12-01T00:00');
    assert.equal(monthStartBefore(Date.parse('2026-12-01T00:01:00.000Z')), '2026-12-01T00:00');
  });
});

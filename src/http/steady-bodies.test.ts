import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SteadyBodies } from './steady-bodies.ts';

const serialize = (view: object) => JSON.stringify(view);

describe('SteadyBodies', () => {
  it('answers what the serializer renders, with `at` written in', () => {
    const bodies = new SteadyBodies();
    const key = {};
    const view = { object: 'balance', unit: 'credits', at: '2026-01-01T00:00:00.000Z', available: '12.5', grants: [{ grantId: 'grt_1' }] };
    assert.equal(bodies.bodyAt(key, 0), undefined, 'nothing kept yet');
    bodies.remember(key, view, serialize);
    const at = Date.parse('2026-12-06T12:00:00.123Z');
    assert.equal(bodies.bodyAt(key, at), serialize({ ...view, at: '2026-12-06T12:00:00.123Z' }));
    assert.equal(bodies.bodyAt({}, at), undefined, 'another key');
  });

  it('keeps no body whose other fields hold the mark, so the mark would not split it in two', () => {
    const bodies = new SteadyBodies();
    const key = {};
    bodies.remember(key, { unit: '\u0000at\u0000', at: 'x' }, serialize);
    assert.equal(bodies.bodyAt(key, 0), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendSlots, sendsPerEndpoint } from './send-slots.ts';

describe('send slots', () => {
  it('give one endpoint a quarter of the slots, at least one', () => {
    assert.deepEqual([1, 2, 4, 8, 16, 17, 64].map(sendsPerEndpoint), [1, 1, 1, 2, 4, 4, 16]);
  });

  it('count sends per endpoint up to its share, tell the room each has left, and forget an endpoint with none in flight', () => {
    const slots = new SendSlots(16);
    assert.equal(slots.room('we_a'), 4);
    for (let index = 0; index < 4; index += 1) assert.equal(slots.admit('we_a'), true);
    assert.equal(slots.admit('we_a'), false, 'a fifth send to one endpoint');
    assert.equal(slots.admit('we_b'), true);
    assert.deepEqual(slots.full(), ['we_a']);
    assert.deepEqual([slots.room('we_a'), slots.room('we_b'), slots.room('we_c')], [0, 3, 4]);
    slots.release('we_a');
    assert.deepEqual(slots.full(), []);
    assert.equal(slots.room('we_a'), 1);
    assert.equal(slots.admit('we_a'), true);
    for (let index = 0; index < 4; index += 1) slots.release('we_a');
    slots.release('we_b');
    slots.release('we_b');
    assert.deepEqual(slots.full(), []);
    assert.equal((slots as unknown as { byEndpoint: Map<string, number> }).byEndpoint.size, 0, 'no entry is kept for an endpoint with nothing in flight');
  });

  it('take no more than the free slots, and give them back', () => {
    const slots = new SendSlots(4);
    assert.equal(slots.take(3), 3);
    assert.equal(slots.take(3), 1);
    assert.equal(slots.take(1), 0);
    slots.give(2);
    assert.equal(slots.free, 2);
  });
});

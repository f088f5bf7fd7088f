import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceRecord } from '../store/records.ts';
import { PriceMemory } from './price-memory.ts';

const T0 = 1_700_000_000_000;

function price(id: string, effectiveAt: number): PriceRecord {
  return { id, environmentId: 'env_1', feature: 'tokens', unit: 'credits', amount: 1n, per: 1n, dimensions: {}, customerId: null, minimum: null, effectiveAt, metadata: {}, createdAt: effectiveAt };
}

/** A reader over `stored` that counts its reads. */
function reader(stored: PriceRecord[]) {
  const counted = { reads: 0, read: async () => { counted.reads += 1; return [...stored]; } };
  return counted;
}

const key = { environmentId: 'env_1', feature: 'tokens', customerId: 'cus_1' };
const ids = (prices: readonly PriceRecord[]) => prices.map((one) => one.id);

describe('PriceMemory', () => {
  it('reads once while nothing can have added a price, and answers the versions in effect at each instant', async () => {
    const memory = new PriceMemory();
    const source = reader([price('now', T0), price('later', T0 + 1000)]);
    assert.deepEqual(ids(await memory.inEffect(key, T0, 7, source.read)), ['now']);
    assert.deepEqual(ids(await memory.inEffect(key, T0 + 1000, 7, source.read)), ['now', 'later']);
    assert.equal(source.reads, 1);
    await memory.inEffect({ ...key, customerId: 'cus_2' }, T0, 7, source.read);
    assert.equal(source.reads, 2, 'another customer is another entry');
  });

  it('reads again after another process committed, or this one wrote a price', async () => {
    const memory = new PriceMemory();
    const stored = [price('first', T0)];
    const source = reader(stored);
    await memory.inEffect(key, T0, 7, source.read);
    stored.push(price('second', T0));
    assert.deepEqual(ids(await memory.inEffect(key, T0, 8, source.read)), ['first', 'second'], 'externalChanges moved');
    stored.push(price('third', T0));
    memory.changed();
    assert.deepEqual(ids(await memory.inEffect(key, T0, 8, source.read)), ['first', 'second', 'third'], 'this process wrote');
    assert.equal(source.reads, 3);
  });

  it('does not keep what a read found while a write of this process settled during it', async () => {
    const memory = new PriceMemory();
    const source = reader([price('first', T0)]);
    await memory.inEffect(key, T0, 7, async () => {
      memory.changed(); // a price insert settles while this read runs
      return source.read();
    });
    await memory.inEffect(key, T0, 7, source.read);
    assert.equal(source.reads, 2);
  });

  it('reads every time on a store that cannot tell when another node wrote', async () => {
    const memory = new PriceMemory();
    const source = reader([price('first', T0)]);
    for (let read = 0; read < 3; read += 1) await memory.inEffect(key, T0, undefined, source.read);
    assert.equal(source.reads, 3);
  });
});

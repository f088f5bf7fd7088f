import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CustomerRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { createFixture, T0, type Fixture } from './fixtures.ts';

function newCustomer(fixture: Fixture, externalId: string): CustomerRecord {
  return {
    id: fixture.dependencies.newId('cus'),
    environmentId: fixture.environment.id,
    externalId,
    name: null,
    email: null,
    metadata: {},
    createdAt: T0,
  };
}

forEachStore('store port', (target) => {
  it('reports its capabilities', async () => {
    const store = await target.open();
    assert.equal(store.capabilities.rowLocks, target.dialect === 'postgres');
    assert.equal(store.capabilities.skipLocked, target.dialect === 'postgres');
  });

  it('keeps none of the writes of a transaction that throws, and stays usable', async () => {
    const fixture = await createFixture(await target.open());
    const customer = newCustomer(fixture, 'rolled-back');
    await assert.rejects(
      fixture.store.transaction(async (repository) => {
        await repository.accounts.insertCustomer(customer);
        assert.ok(await repository.accounts.getCustomer(customer.environmentId, customer.id), 'the transaction sees its own write');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await fixture.store.read((repository) => repository.accounts.getCustomer(customer.environmentId, customer.id)), undefined);
    const kept = newCustomer(fixture, 'kept');
    assert.equal(await fixture.store.transaction(async (repository) => (await repository.accounts.insertCustomer(kept), 'value')), 'value');
    assert.deepEqual(await fixture.store.read((repository) => repository.accounts.getCustomer(kept.environmentId, kept.id)), kept);
  });

  it('fails one transaction without affecting concurrent ones', async () => {
    const fixture = await createFixture(await target.open());
    const customers = Array.from({ length: 10 }, (_, index) => newCustomer(fixture, `concurrent-${index}`));
    const settled = await Promise.allSettled(
      customers.map((customer, index) =>
        fixture.store.transaction(async (repository) => {
          await repository.accounts.insertCustomer(customer);
          if (index % 3 === 0) throw new Error(`fail ${index}`);
        }),
      ),
    );
    assert.deepEqual(
      settled.map((outcome) => outcome.status),
      customers.map((_, index) => (index % 3 === 0 ? 'rejected' : 'fulfilled')),
    );
    const stored = await fixture.store.read((repository) =>
      Promise.all(customers.map((customer) => repository.accounts.getCustomer(customer.environmentId, customer.id))),
    );
    assert.deepEqual(
      stored.map((customer) => customer !== undefined),
      customers.map((_, index) => index % 3 !== 0),
    );
  });

  it('fails transactions that throw before writing or after several writes, in one batch, keeping the others whole', async () => {
    const fixture = await createFixture(await target.open());
    const pairs = Array.from({ length: 12 }, (_, index) => [newCustomer(fixture, `pair-${index}-a`), newCustomer(fixture, `pair-${index}-b`)] as const);
    // 0: writes twice, then throws; 1: reads, then throws before writing; 2: writes twice and succeeds.
    const settled = await Promise.allSettled(
      pairs.map(([first, second], index) =>
        fixture.store.transaction(async (repository) => {
          if (index % 3 === 1) {
            await repository.accounts.getCustomer(first.environmentId, first.id);
            throw new Error(`before writing ${index}`);
          }
          await repository.accounts.insertCustomer(first);
          await repository.accounts.insertCustomer(second);
          if (index % 3 === 0) throw new Error(`after writing ${index}`);
        }),
      ),
    );
    assert.deepEqual(
      settled.map((outcome) => outcome.status),
      pairs.map((_, index) => (index % 3 === 2 ? 'fulfilled' : 'rejected')),
    );
    const stored = await fixture.store.read((repository) =>
      Promise.all(pairs.flat().map((customer) => repository.accounts.getCustomer(customer.environmentId, customer.id))),
    );
    assert.deepEqual(
      stored.map((customer) => customer !== undefined),
      pairs.flatMap((_, index) => [index % 3 === 2, index % 3 === 2]),
    );
  });

  it('reads only committed data', async () => {
    const fixture = await createFixture(await target.open());
    const customer = newCustomer(fixture, 'pending');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const wasInserted = new Promise<void>((resolve) => (inserted = resolve));
    const writing = fixture.store.transaction(async (repository) => {
      await repository.accounts.insertCustomer(customer);
      inserted();
      await released;
    });
    await wasInserted;
    assert.equal(await fixture.store.read((repository) => repository.accounts.getCustomer(customer.environmentId, customer.id)), undefined);
    release();
    await writing;
    assert.deepEqual(await fixture.store.read((repository) => repository.accounts.getCustomer(customer.environmentId, customer.id)), customer);
  });

  it('lets a read-only transaction see what a write transaction committed before it', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = await target.open();
    const customer = newCustomer(fixture, 'other-node');
    await otherNode.transaction((repository) => repository.accounts.insertCustomer(customer));
    assert.deepEqual(await fixture.store.read((repository) => repository.accounts.getCustomer(customer.environmentId, customer.id)), customer);
    assert.deepEqual(
      await fixture.store.transaction((repository) => repository.accounts.findCustomerByExternalId(customer.environmentId, 'other-node')),
      customer,
    );
  });
});

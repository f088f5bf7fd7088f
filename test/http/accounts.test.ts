import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, startTestApi, type TestApi } from '../support/test-api.ts';

/** Customers, units and wallets: happy paths, errors and paging. */
describe('customers, units and wallets', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('POST /v1/customers', () => {
    it('creates a customer with a generated cus_ ID and the given fields', async () => {
      const response = await api.post('/v1/customers', { externalId: 'acme-1', name: 'Acme', email: 'billing@acme.test', metadata: { plan: 'pro' } });
      const customer = expectStatus(response, 201);
      assert.match(customer.id, /^cus_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...customer, id: undefined },
        {
          object: 'customer',
          id: undefined,
          externalId: 'acme-1',
          name: 'Acme',
          email: 'billing@acme.test',
          metadata: { plan: 'pro' },
          createdAt: new Date(api.t0).toISOString(),
        },
      );
      assert.match(String(response.headers['request-id']), /^req_/);
    });

    it('creates a customer from an empty object, with null fields', async () => {
      const customer = await api.createCustomer({});
      assert.equal(customer.externalId, null);
      assert.equal(customer.name, null);
      assert.deepEqual(customer.metadata, {});
    });

    it('rejects a second customer with the same externalId (409 state_conflict, param externalId)', async () => {
      await api.createCustomer({ externalId: 'dup-ext' });
      const response = await api.expectNoWrites(() => api.post('/v1/customers', { externalId: 'dup-ext', name: 'Other' }));
      expectError(response, { status: 409, code: 'state_conflict', param: 'externalId' });
    });

    it('rejects metadata values that are not strings, naming the key', async () => {
      const response = await api.expectNoWrites(() => api.post('/v1/customers', { metadata: { seats: 5 } }));
      expectError(response, { status: 400, code: 'validation_error', param: 'metadata.seats' });
    });
  });

  describe('GET /v1/customers/:id', () => {
    it('returns the customer as created', async () => {
      const created = await api.createCustomer({ name: 'Fetch me' });
      const fetched = expectStatus(await api.get(`/v1/customers/${created.id}`), 200);
      assert.deepEqual(fetched, created);
    });

    it('answers 404 not_found for an unknown ID, naming it', async () => {
      const response = await api.get('/v1/customers/cus_00000000000000000000000000');
      expectError(response, { status: 404, code: 'not_found', message: 'cus_00000000000000000000000000' });
    });
  });

  describe('GET /v1/customers', () => {
    it('lists newest first and pages with limit and startingAfter', async () => {
      const local = await startTestApi();
      try {
        const ids: string[] = [];
        for (let index = 0; index < 5; index += 1) ids.push((await local.createCustomer({ name: `c${index}` })).id);
        const newestFirst = [...ids].reverse();

        const first = expectStatus(await local.get('/v1/customers?limit=2'), 200);
        assert.equal(first.object, 'list');
        assert.equal(first.hasMore, true);
        assert.deepEqual(first.data.map((customer: { id: string }) => customer.id), newestFirst.slice(0, 2));

        const second = expectStatus(await local.get(`/v1/customers?limit=2&startingAfter=${first.data[1].id}`), 200);
        assert.equal(second.hasMore, true);
        assert.deepEqual(second.data.map((customer: { id: string }) => customer.id), newestFirst.slice(2, 4));

        const last = expectStatus(await local.get(`/v1/customers?limit=2&startingAfter=${second.data[1].id}`), 200);
        assert.equal(last.hasMore, false);
        assert.deepEqual(last.data.map((customer: { id: string }) => customer.id), newestFirst.slice(4));

        const all = expectStatus(await local.get('/v1/customers'), 200);
        assert.equal(all.data.length, 5, 'the default limit (10) returns them all');
        assert.equal(all.hasMore, false);
      } finally {
        await local.close();
      }
    });

    it('rejects limit 0 and 101 and an unknown cursor, naming the parameter', async () => {
      expectError(await api.get('/v1/customers?limit=0'), { status: 400, code: 'validation_error', param: 'limit' });
      expectError(await api.get('/v1/customers?limit=101'), { status: 400, code: 'validation_error', param: 'limit' });
      expectStatus(await api.get('/v1/customers?limit=100'), 200);
      expectError(await api.get('/v1/customers?startingAfter=cus_nope'), { status: 400, code: 'validation_error', param: 'startingAfter' });
      expectError(await api.get('/v1/customers?colour=red'), { status: 400, code: 'validation_error', param: 'colour' });
    });
  });

  describe('POST /v1/units and GET /v1/units', () => {
    it('creates a unit (201), returns it again for the same scale (200), and lists it', async () => {
      const first = await api.post('/v1/units', { code: 'ai_credits', scale: 4, name: 'AI credits' });
      assert.equal(first.status, 201);
      assert.deepEqual({ ...first.body, createdAt: undefined }, { object: 'unit', code: 'ai_credits', scale: 4, name: 'AI credits', createdAt: undefined });
      const again = await api.expectNoWrites(() => api.post('/v1/units', { code: 'ai_credits', scale: 4 }));
      assert.equal(again.status, 200);
      assert.equal(again.body.name, 'AI credits', 'the existing unit is returned unchanged');
      const list = expectStatus(await api.get('/v1/units'), 200);
      assert.equal(list.object, 'list');
      assert.equal(list.hasMore, false);
      assert.ok(list.data.some((unit: { code: string; scale: number }) => unit.code === 'ai_credits' && unit.scale === 4));
    });

    it('rejects a second unit with another scale (409 state_conflict, param scale)', async () => {
      await api.createUnit({ code: 'fixed_scale', scale: 2 });
      const response = await api.expectNoWrites(() => api.post('/v1/units', { code: 'fixed_scale', scale: 3 }));
      expectError(response, { status: 409, code: 'state_conflict', param: 'scale' });
    });

    it('rejects a bad code and a scale outside 0..10', async () => {
      // Codes follow Stigg's currency-ID pattern: 'AI-Credits' is one; a leading dash or a space is not.
      for (const code of ['-credits', 'ai credits', 'x'.repeat(65)]) {
        expectError(await api.expectNoWrites(() => api.post('/v1/units', { code, scale: 2 })), { status: 400, code: 'validation_error', param: 'code' });
      }
      expectError(await api.expectNoWrites(() => api.post('/v1/units', { code: 'too_fine', scale: 11 })), { status: 400, code: 'validation_error', param: 'scale' });
      expectError(await api.expectNoWrites(() => api.post('/v1/units', { code: 'negative', scale: -1 })), { status: 400, code: 'validation_error', param: 'scale' });
      expectError(await api.expectNoWrites(() => api.post('/v1/units', { code: 'no_scale' })), { status: 400, code: 'validation_error', param: 'scale' });
    });
  });

  describe('POST /v1/wallets and GET /v1/wallets', () => {
    it('creates a wallet on first upsert and updates its overdraft limit on the next', async () => {
      const wallet = await api.wallet();
      const created = expectStatus(await api.post('/v1/wallets', { ...wallet, walletKey: 'sub_1' }), 200);
      assert.match(created.id, /^wal_/);
      assert.equal(created.walletKey, 'sub_1');
      assert.equal(created.overdraftLimit, '0');
      const updated = expectStatus(await api.post('/v1/wallets', { ...wallet, walletKey: 'sub_1', overdraftLimit: '12.5' }), 200);
      assert.equal(updated.id, created.id, 'the same wallet');
      assert.equal(updated.overdraftLimit, '12.5');
    });

    it('lists wallets filtered by customer and unit, with paging', async () => {
      const { customerId, unit } = await api.wallet();
      const otherUnit = (await api.createUnit()).code;
      const ids: string[] = [];
      for (const walletKey of [null, 'a', 'b']) ids.push(expectStatus(await api.post('/v1/wallets', { customerId, unit, walletKey }), 200).id);
      const inOtherUnit = expectStatus(await api.post('/v1/wallets', { customerId, unit: otherUnit }), 200).id;

      const newestFirst = [...ids].reverse();
      const byCustomer = expectStatus(await api.get(`/v1/wallets?customerId=${customerId}`), 200);
      assert.deepEqual(
        byCustomer.data.map((wallet: { id: string }) => wallet.id),
        [inOtherUnit, ...newestFirst],
      );
      const byUnit = expectStatus(await api.get(`/v1/wallets?customerId=${customerId}&unit=${unit}&limit=2`), 200);
      assert.equal(byUnit.hasMore, true);
      assert.deepEqual(byUnit.data.map((wallet: { id: string }) => wallet.id), newestFirst.slice(0, 2));
      assert.ok(byUnit.data.every((wallet: { unit: string }) => wallet.unit === unit));
      const rest = expectStatus(await api.get(`/v1/wallets?customerId=${customerId}&unit=${unit}&limit=2&startingAfter=${newestFirst[1]}`), 200);
      assert.equal(rest.hasMore, false);
      assert.deepEqual(rest.data.map((wallet: { id: string }) => wallet.id), newestFirst.slice(2));
    });

    it('rejects a negative or over-precise overdraft limit and an unknown customer or unit, writing nothing', async () => {
      const wallet = await api.wallet();
      expectError(await api.expectNoWrites(() => api.post('/v1/wallets', { ...wallet, overdraftLimit: '-1' })), {
        status: 400,
        code: 'validation_error',
        param: 'overdraftLimit',
      });
      expectError(await api.expectNoWrites(() => api.post('/v1/wallets', { ...wallet, overdraftLimit: '0.001' })), {
        status: 400,
        code: 'validation_error',
        param: 'overdraftLimit',
      });
      expectError(await api.expectNoWrites(() => api.post('/v1/wallets', { ...wallet, customerId: 'cus_missing' })), {
        status: 404,
        code: 'not_found',
        param: 'customerId',
      });
      expectError(await api.expectNoWrites(() => api.post('/v1/wallets', { ...wallet, unit: 'no_such_unit' })), {
        status: 404,
        code: 'not_found',
        param: 'unit',
      });
    });
  });
});

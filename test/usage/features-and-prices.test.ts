import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, HOUR, iso, startTestApi, type TestApi } from '../support/test-api.ts';

describe('features and prices', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  it('creates a feature once; the same definition again returns it, another one is a conflict', async () => {
    const key = api.unique('gpt-4o');
    const created = await api.post('/v1/features', { key, name: 'GPT-4o', dimensions: ['direction', 'model'], quantityScale: 0 });
    const body = expectStatus(created, 201);
    assert.deepEqual(body, { object: 'feature', key, name: 'GPT-4o', dimensions: ['direction', 'model'], quantityScale: 0, createdAt: iso(api.t0) });
    assert.deepEqual(expectStatus(await api.post('/v1/features', { key, name: 'GPT-4o', dimensions: ['model', 'direction'], quantityScale: 0 }), 200), body);
    await api.expectNoWrites(async () =>
      expectError(await api.post('/v1/features', { key, dimensions: ['model'], quantityScale: 0 }), { status: 409, code: 'state_conflict', param: 'key' }),
    );
    assert.deepEqual(expectStatus(await api.get(`/v1/features/${key}`), 200), body);
    assert.ok(expectStatus(await api.get('/v1/features'), 200).data.some((feature: { key: string }) => feature.key === key));
    expectError(await api.get(`/v1/features/${key}`, { key: api.liveKey }), { status: 404, code: 'not_found' });
  });

  it('creates prices per 1,000 with filters, overrides and minimums, and reads them back', async () => {
    const { unit, customerId } = await api.wallet({ scale: 2 });
    const feature = api.unique('tokens');
    await api.post('/v1/features', { key: feature, dimensions: ['model', 'direction'], quantityScale: 0 });
    const list = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.15', per: 1000 }), 201);
    assert.match(list.id, /^prc_[0-9a-z]{26}$/);
    assert.deepEqual(
      { ...list, id: undefined },
      {
        object: 'price',
        id: undefined,
        feature,
        unit,
        amount: '0.15',
        per: '1000',
        dimensions: {},
        customerId: null,
        minimum: null,
        effectiveAt: iso(api.t0),
        metadata: {},
        createdAt: iso(api.t0),
      },
    );
    const output = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.6', per: '1000', dimensions: { direction: 'output' }, minimum: '0.01' }), 201);
    assert.equal(output.minimum, '0.01');
    const negotiated = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.1', per: '1000', customerId }), 201);
    assert.equal(negotiated.customerId, customerId);
    const nextVersion = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.2', per: '1000', effectiveAt: iso(api.t0 + HOUR) }), 201);
    assert.deepEqual(expectStatus(await api.get(`/v1/prices/${output.id}`), 200), output);
    const listed = expectStatus(await api.get(`/v1/prices?feature=${feature}`), 200);
    assert.deepEqual(
      listed.data.map((price: { id: string }) => price.id),
      [nextVersion.id, negotiated.id, output.id, list.id],
    );
    const forCustomer = expectStatus(await api.get(`/v1/prices?customerId=${customerId}`), 200);
    assert.deepEqual(forCustomer.data.map((price: { id: string }) => price.id), [negotiated.id]);
    expectError(await api.get(`/v1/prices/${output.id}`, { key: api.liveKey }), { status: 404, code: 'not_found' });
  });

  it('refuses ties, a second version at one instant, and a price in the past, writing nothing', async () => {
    const { unit } = await api.wallet();
    const feature = api.unique('tokens');
    await api.post('/v1/features', { key: feature, dimensions: ['model', 'direction'] });
    const existing = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '1', dimensions: { model: 'gpt-4o' } }), 201);
    await api.expectNoWrites(async () => {
      const tie = expectError(await api.post('/v1/prices', { feature, unit, amount: '2', dimensions: { direction: 'output' } }), {
        status: 409,
        code: 'state_conflict',
        param: 'dimensions',
        message: 'an event with direction=output, model=gpt-4o matches both',
      });
      // It names the existing price once, what would tie, and why that is refused.
      assert.equal(tie.message.split(existing.id).length - 1, 1, tie.message);
      assert.match(tie.message, /^Price 'prc_\w+' filters on model=gpt-4o and this one on direction=output: .*tie between two prices\. Refused so that every event has exactly one price/);
      expectError(await api.post('/v1/prices', { feature, unit, amount: '2', dimensions: { model: 'gpt-4o' } }), {
        status: 409,
        code: 'state_conflict',
        param: 'effectiveAt',
        message: 'same instant',
      });
      expectError(await api.post('/v1/prices', { feature, unit, amount: '2', effectiveAt: iso(api.t0 - 1) }), { status: 400, code: 'validation_error', param: 'effectiveAt' });
    });
    // Disjoint values never tie, and a more specific filter is allowed.
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '2', dimensions: { model: 'o1' } }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '3', dimensions: { model: 'gpt-4o', direction: 'output' } }), 201);
  });

  it('answers bad input with a clear error and writes nothing', async () => {
    const { unit } = await api.wallet({ scale: 2 });
    const feature = api.unique('calls');
    await api.post('/v1/features', { key: feature, dimensions: ['region'] });
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ feature: 'nope', unit, amount: '1' }, 404, 'not_found', 'feature'],
      [{ feature, unit: 'nope', amount: '1' }, 404, 'not_found', 'unit'],
      [{ feature, unit, amount: '-1' }, 400, 'validation_error', 'amount'],
      [{ feature, unit, amount: '0.00000000001' }, 400, 'validation_error', 'amount'],
      [{ feature, unit, amount: '1', per: '0' }, 400, 'validation_error', 'per'],
      [{ feature, unit, amount: '1', minimum: '0.001' }, 400, 'validation_error', 'minimum'],
      [{ feature, unit, amount: '1', dimensions: { model: 'x' } }, 400, 'validation_error', 'dimensions.model'],
      [{ feature, unit, amount: '1', customerId: 'nobody' }, 404, 'not_found', 'customerId'],
      [{ feature, unit, amount: '1', effectiveAt: '2026-02-30T00:00:00Z' }, 400, 'validation_error', 'effectiveAt'],
      [{ feature, unit, amount: '1', surprise: true }, 400, 'validation_error', 'surprise'],
    ];
    await api.expectNoWrites(async () => {
      for (const [body, status, code, param] of cases) {
        expectError(await api.post('/v1/prices', body), { status, code, param });
      }
      expectError(await api.post('/v1/features', { key: 'bad key!' }), { status: 400, code: 'validation_error', param: 'key' });
      expectError(await api.post('/v1/features', { key: 'dup', dimensions: ['a', 'a'] }), { status: 400, code: 'validation_error', param: 'dimensions' });
      expectError(await api.post('/v1/features', { key: 'scale', quantityScale: 11 }), { status: 400, code: 'validation_error', param: 'quantityScale' });
    });
  });
});

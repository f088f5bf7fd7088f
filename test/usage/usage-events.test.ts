import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Usage events over HTTP: rated at their timestamp's price, booked now in one
 * transaction with their debit and allocations, deduplicated by their ID forever,
 * never lost for lack of credit.
 */
describe('usage events', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  /** A customer with a unit, a token feature (model, direction) priced per 1,000, and the feature key. */
  async function pricedTokens(options: { scale?: number; amount?: string } = {}) {
    const wallet = await api.wallet({ scale: options.scale ?? 2 });
    const feature = api.unique('tokens');
    expectStatus(await api.post('/v1/features', { key: feature, dimensions: ['model', 'direction'], quantityScale: 0 }), 201);
    const price = expectStatus(await api.post('/v1/prices', { feature, unit: wallet.unit, amount: options.amount ?? '0.15', per: '1000' }), 201);
    return { ...wallet, feature, price };
  }

  const allocationsOf = (body: Json) => body.allocations.map((allocation: Json) => [allocation.grantId, allocation.amount]);
  const eventsOfType = async (type: string) => (expectStatus(await api.get(`/v1/events?type=${type}&limit=100`), 200).data as Json[]);

  it('rates an event, books its cost on grants that apply to the feature, and shows the balance after', async () => {
    const { customerId, unit, feature, price } = await pricedTokens();
    const other = await api.grant({ customerId, unit, amount: '5', category: 'promotional', appliesTo: ['something-else'] });
    const promo = await api.grant({ customerId, unit, amount: '0.2', category: 'promotional', appliesTo: [feature] });
    const paid = await api.grant({ customerId, unit, amount: '10' });
    const id = api.unique('evt');
    const created = await api.post('/v1/usage-events', { id, customerId, feature, quantity: '1840', dimensions: { model: 'gpt-4o' } });
    const event = expectStatus(created, 201);
    assert.equal(event.object, 'usage_event');
    assert.equal(event.cost, '0.28', '1840 × 0.15 / 1000 = 0.276, rounded up to the unit scale');
    assert.equal(event.price.id, price.id);
    assert.deepEqual(allocationsOf(event), [
      [promo.id, '0.2'],
      [paid.id, '0.08'],
    ]);
    assert.deepEqual([event.consumed, event.overdrawn, event.shortfall, event.duplicate], ['0.28', '0', '0', false]);
    assert.deepEqual(event.balanceAfter, { available: '14.92', held: '0', overdraft: '0' });
    assert.equal(event.timestamp, iso(api.t0));
    const otherGrant = expectStatus(await api.get(`/v1/grants/${other.id}`), 200);
    assert.equal(otherGrant.available, '5', 'a grant for another feature is untouched');
    const entries = expectStatus(await api.get(`/v1/ledger-entries?customerId=${customerId}&unit=${unit}&limit=100`), 200).data as Json[];
    const booked = entries.filter((entry) => entry.debitId === event.debitId);
    assert.deepEqual(booked.map((entry) => entry.amount).sort(), ['-0.08', '-0.2']);
    const { balanceAfter: _after, duplicate: _duplicate, ...stored } = event;
    assert.deepEqual(expectStatus(await api.get(`/v1/usage-events/${id}`), 200), stored);
  });

  it('books a resent ID once: the same contents replay the first answer as a duplicate, other contents are a 409', async () => {
    const { customerId, unit, feature } = await pricedTokens();
    await api.grant({ customerId, unit, amount: '10' });
    const id = api.unique('evt');
    const body = { id, customerId, feature, quantity: 1000 };
    const first = expectStatus(await api.post('/v1/usage-events', body), 201);
    const again = await api.expectNoWrites(() => api.post('/v1/usage-events', body));
    assert.deepEqual(expectStatus(again, 201), { ...first, duplicate: true });
    await api.expectNoWrites(async () => {
      expectError(await api.post('/v1/usage-events', { ...body, quantity: 1001 }), { status: 409, code: 'idempotency_conflict', param: 'id' });
      expectError(await api.post('/v1/usage-events', { ...body, dimensions: { model: 'o1' } }), { status: 409, code: 'idempotency_conflict', param: 'id' });
    });
    assert.equal((await api.balance({ customerId, unit })).available, '9.85');
  });

  it('never loses usage: overdraft where allowed, the rest recorded as shortfall and announced as usage.uncovered', async () => {
    const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
    await api.grant({ customerId, unit, amount: '2' });
    expectStatus(await api.post('/v1/wallets', { customerId, unit, overdraftLimit: '3' }), 200);
    const id = api.unique('evt');
    const event = expectStatus(await api.post('/v1/usage-events', { id, customerId, feature, quantity: '10000' }), 201);
    assert.deepEqual([event.cost, event.consumed, event.overdrawn, event.shortfall], ['10', '2', '3', '5']);
    assert.deepEqual(event.balanceAfter, { available: '0', held: '0', overdraft: '3' });
    const uncovered = (await eventsOfType('usage.uncovered')).find((item) => item.data.usageEventId === id);
    assert.ok(uncovered, 'usage.uncovered is in the outbox');
    assert.deepEqual([uncovered.data.cost, uncovered.data.shortfall, uncovered.data.feature], ['10', '5', feature]);

    // A customer's first usage, with no wallet yet, is recorded as shortfall too.
    const newcomer = expectStatus(await api.post('/v1/customers', {}), 201);
    const first = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId: newcomer.id, feature, quantity: '500' }), 201);
    assert.deepEqual([first.cost, first.shortfall, first.allocations], ['0.5', '0.5', []]);
  });

  it('prefers the most specific filter and the customer override', async () => {
    const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
    await api.grant({ customerId, unit, amount: '100' });
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '4', per: '1000', dimensions: { direction: 'output' } }), 201);
    const event = async (dimensions: Record<string, string>, who = customerId) =>
      expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId: who, feature, quantity: 1000, dimensions }), 201).cost;
    assert.equal(await event({ direction: 'input' }), '1');
    assert.equal(await event({ direction: 'output', model: 'x' }), '4');
    const vip = expectStatus(await api.post('/v1/customers', {}), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '0.5', per: '1000', customerId: vip.id }), 201);
    await api.grant({ customerId: vip.id, unit, amount: '100' });
    assert.equal(await event({ direction: 'output' }, vip.id), '0.5');
  });

  it('answers bad input with a clear error and writes nothing', async () => {
    const { customerId, unit, feature } = await pricedTokens();
    await api.grant({ customerId, unit, amount: '10' });
    const filtered = api.unique('filtered');
    expectStatus(await api.post('/v1/features', { key: filtered, dimensions: ['model'] }), 201);
    expectStatus(await api.post('/v1/prices', { feature: filtered, unit, amount: '1', dimensions: { model: 'a' } }), 201);
    const base = { id: 'bad-1', customerId, feature, quantity: '10' };
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ ...base, feature: 'nope' }, 404, 'not_found', 'feature'],
      [{ ...base, feature: filtered, dimensions: { model: 'b' } }, 404, 'not_found', 'feature'],
      [{ ...base, quantity: '-5' }, 400, 'validation_error', 'quantity'],
      [{ ...base, quantity: '0' }, 400, 'validation_error', 'quantity'],
      [{ ...base, quantity: '1.5' }, 400, 'validation_error', 'quantity'],
      [{ ...base, quantity: '1.00000000001' }, 400, 'validation_error', 'quantity'],
      [{ ...base, quantity: 'ten' }, 400, 'validation_error', 'quantity'],
      [{ ...base, dimensions: { region: 'eu' } }, 400, 'validation_error', 'dimensions.region'],
      [{ ...base, customerId: 'nobody' }, 404, 'not_found', 'customerId'],
      [{ ...base, timestamp: iso(api.t0 + MINUTE) }, 400, 'validation_error', 'timestamp'],
      [{ ...base, timestamp: '2026-13-01T00:00:00Z' }, 400, 'validation_error', 'timestamp'],
      [{ ...base, reservationId: 'hld_nope' }, 404, 'not_found', 'reservationId'],
      [{ ...base, id: '' }, 400, 'validation_error', 'id'],
      [{ ...base, extra: 1 }, 400, 'validation_error', 'extra'],
    ];
    await api.expectNoWrites(async () => {
      for (const [body, status, code, param] of cases) expectError(await api.post('/v1/usage-events', body), { status, code, param });
      expectError(await api.post('/v1/usage-events', base, { key: api.liveKey }), { status: 404, code: 'not_found' });
    });
  });

  describe('batches', () => {
    it('books each repeated ID once and reports every item, failures by index', async () => {
      const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
      await api.grant({ customerId, unit, amount: '100' });
      const [a, b] = [api.unique('evt'), api.unique('evt')];
      const events = [
        { id: a, customerId, feature, quantity: 1000 },
        { id: b, customerId, feature, quantity: 2000 },
        { id: a, customerId, feature, quantity: 1000 },
        { id: api.unique('evt'), customerId, feature, quantity: '-1' },
        { id: b, customerId, feature, quantity: 2000 },
        { id: a, customerId, feature, quantity: 3000 },
      ];
      const response = expectStatus(await api.post('/v1/usage-events/batch', { events }), 200);
      const results = response.data as Json[];
      assert.deepEqual(
        results.map((item) => (item.status === 'succeeded' ? [item.usageEvent.id, item.usageEvent.duplicate] : [item.error.code, item.error.param])),
        [
          [a, false],
          [b, false],
          [a, true],
          ['validation_error', 'events.3.quantity'],
          [b, true],
          ['idempotency_conflict', 'events.5.id'],
        ],
      );
      assert.equal((await api.balance({ customerId, unit })).available, '97');
      assert.equal(api.rows('SELECT count(*) AS n FROM usage_events WHERE customer_id = ?', customerId)[0].n, 2);
    });

    it('refuses a batch over 1,000 events and writes nothing', async () => {
      const { customerId, feature } = await pricedTokens();
      const events = Array.from({ length: 1001 }, (_, index) => ({ id: `over-${index}`, customerId, feature, quantity: 1 }));
      await api.expectNoWrites(async () => expectError(await api.post('/v1/usage-events/batch', { events }), { status: 400, code: 'validation_error', param: 'events' }));
    });
  });

  describe('check and reserve', () => {
    it('answers allowed, cost and available, rated as the event would be, and writes nothing', async () => {
      const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
      await api.grant({ customerId, unit, amount: '3' });
      expectStatus(await api.post('/v1/wallets', { customerId, unit, overdraftLimit: '1' }), 200);
      const check = (quantity: number) => api.expectNoWrites(async () => expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity }), 200));
      const yes = await check(4000);
      assert.deepEqual([yes.allowed, yes.cost, yes.available, yes.reason, yes.reservationId], [true, '4', '4', 'ok', null]);
      const no = await check(4001);
      assert.deepEqual([no.allowed, no.cost, no.available, no.reason], [false, '4.01', '4', 'insufficient_balance']);
    });

    it('answers checks in a row from the wallet it remembers, and each one sees what was booked since', async () => {
      const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
      await api.grant({ customerId, unit, amount: '10' });
      const available = async () => expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 1000 }), 200).available as string;
      assert.deepEqual([await available(), await available()], ['10', '10']);
      expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 3000 }), 201);
      assert.equal(await available(), '7');
      await api.grant({ customerId, unit, amount: '5' });
      assert.deepEqual([await available(), await available()], ['12', '12']);
      expectStatus(await api.post('/v1/debits', { customerId, unit, amount: '2' }), 201);
      assert.deepEqual([await available(), (await api.balance({ customerId, unit })).available], ['10', '10']);
    });

    it('rates with a price version created since the last check on the very next check, and a later version from its instant on', async () => {
      // An environment of its own: this test moves its clock.
      const { key } = expectStatus(await api.post('/v1/test-environments', { name: api.unique('prices') }), 201);
      const call = async (path: string, body: unknown) => expectStatus(await api.post(path, body, { key }), [200, 201]);
      const now = async () => Date.parse(expectStatus(await api.get('/v1/test-clock', { key }), 200).now);
      const { customerId, unit } = await api.wallet({ key });
      const feature = api.unique('tokens');
      await call('/v1/features', { key: feature, quantityScale: 0 });
      await call('/v1/prices', { feature, unit, amount: '1', per: '1000' });
      await call('/v1/grants', { customerId, unit, amount: '100' });
      const cost = async (customer = customerId) => (await call('/v1/entitlements/check', { customerId: customer, feature, quantity: 1000 })).cost as string;
      assert.deepEqual([await cost(), await cost()], ['1', '1']);
      // Versions of one filter take effect at different instants.
      await call('/v1/test-clock/advance', { to: iso((await now()) + MINUTE) });
      assert.equal(await cost(), '1');
      await call('/v1/prices', { feature, unit, amount: '2', per: '1000' });
      assert.equal(await cost(), '2', 'the new version, at once');
      const later = (await now()) + HOUR;
      await call('/v1/prices', { feature, unit, amount: '3', per: '1000', effectiveAt: iso(later) });
      assert.deepEqual([await cost(), await cost()], ['2', '2'], 'a version not in effect yet');
      await call('/v1/test-clock/advance', { to: iso(later) });
      assert.equal(await cost(), '3', 'in effect from its instant');
      // A customer's own price is rated for that customer only.
      const other = (await call('/v1/customers', {})).id as string;
      await call('/v1/grants', { customerId: other, unit, amount: '100' });
      await call('/v1/prices', { feature, unit, amount: '0.5', per: '1000', customerId });
      assert.deepEqual([await cost(), await cost(other)], ['0.5', '3']);
    });

    it('reserves the cost; a usage event naming the reservation captures against it and releases the rest', async () => {
      const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
      await api.grant({ customerId, unit, amount: '10' });
      const reserved = expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 5000, reserve: true, ttlSeconds: 60 }), 200);
      assert.deepEqual([reserved.allowed, reserved.cost, reserved.available], [true, '5', '5']);
      assert.match(reserved.reservationId, /^hld_/);
      assert.equal(reserved.reservationExpiresAt, iso(api.t0 + MINUTE));
      assert.deepEqual([(await api.balance({ customerId, unit })).available, (await api.balance({ customerId, unit })).held], ['5', '5']);
      const refused = expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 6000, reserve: true }), 200);
      assert.deepEqual([refused.allowed, refused.reason, refused.reservationId, refused.available], [false, 'insufficient_balance', null, '5']);
      const event = expectStatus(
        await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 3000, reservationId: reserved.reservationId }),
        201,
      );
      assert.deepEqual([event.cost, event.consumed, event.reservationId], ['3', '3', reserved.reservationId]);
      assert.deepEqual(event.balanceAfter, { available: '7', held: '0', overdraft: '0' });
      const hold = expectStatus(await api.get(`/v1/holds/${reserved.reservationId}`), 200);
      assert.deepEqual([hold.status, hold.capturedAmount], ['captured', '3']);

      // Using more than was reserved: the reservation pays what it holds, grants the rest.
      const second = expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 1000, reserve: true }), 200);
      const over = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 2500, reservationId: second.reservationId }), 201);
      assert.deepEqual([over.cost, over.consumed, over.shortfall], ['2.5', '2.5', '0']);
      assert.equal((await api.balance({ customerId, unit })).available, '4.5');

      // Naming a reservation that has ended books from the grants, and the event does not claim it.
      const late = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 500, reservationId: reserved.reservationId }), 201);
      assert.deepEqual([late.cost, late.consumed, late.reservationId], ['0.5', '0.5', null]);
      assert.equal(expectStatus(await api.get(`/v1/usage-events/${late.id}`), 200).reservationId, null);
    });

    it("refuses a usage event that names another feature's reservation: restricted credit pays only for its feature", async () => {
      const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
      const other = api.unique('images');
      expectStatus(await api.post('/v1/features', { key: other, dimensions: [], quantityScale: 0 }), 201);
      expectStatus(await api.post('/v1/prices', { feature: other, unit, amount: '1', per: '1' }), 201);
      const onlyTokens = await api.grant({ customerId, unit, amount: '10', category: 'promotional', appliesTo: [feature] });
      const reserved = expectStatus(await api.post('/v1/entitlements/check', { customerId, feature, quantity: 5000, reserve: true }), 200);
      const id = api.unique('evt');
      const refusal = await api.expectNoWrites(() => api.post('/v1/usage-events', { id, customerId, feature: other, quantity: 1, reservationId: reserved.reservationId }));
      expectError(refusal, { status: 400, code: 'validation_error', param: 'reservationId', message: feature });
      assert.deepEqual([expectStatus(await api.get(`/v1/grants/${onlyTokens.id}`), 200).consumed, expectStatus(await api.get(`/v1/holds/${reserved.reservationId}`), 200).status], ['0', 'active']);
      expectError(await api.get(`/v1/usage-events/${id}`), { status: 404, code: 'not_found' });
    });
  });

  it('fires balance alerts from usage like from debits', async () => {
    const { customerId, unit, feature } = await pricedTokens({ amount: '1' });
    await api.grant({ customerId, unit, amount: '10' });
    expectStatus(await api.post('/v1/balance-settings', { customerId, unit, lowBalanceThreshold: '5' }), 200);
    await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 6000 });
    const low = (await eventsOfType('balance.low')).filter((item) => item.data.customerId === customerId);
    assert.deepEqual(low.map((item) => item.data.balance), ['4']);
  });
  // Last: it moves the test clock forward for good.
  it('rates a late event by the price of its timestamp and books it now; an old event still shows its price', async () => {
    const { customerId, unit, feature, price: v1 } = await pricedTokens({ amount: '1' });
    await api.grant({ customerId, unit, amount: '100' });
    const v2 = expectStatus(await api.post('/v1/prices', { feature, unit, amount: '2', per: '1000', effectiveAt: iso(api.t0 + HOUR) }), 201);
    const early = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 1000 }), 201);
    await api.advanceClock(api.t0 + 2 * HOUR);
    {
      const late = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 1000, timestamp: iso(api.t0 + HOUR - 1) }), 201);
      const onTime = expectStatus(await api.post('/v1/usage-events', { id: api.unique('evt'), customerId, feature, quantity: 1000, timestamp: iso(api.t0 + HOUR) }), 201);
      assert.deepEqual([early.price.id, early.cost], [v1.id, '1']);
      assert.deepEqual([late.price.id, late.cost, late.createdAt, late.timestamp], [v1.id, '1', iso(api.t0 + 2 * HOUR), iso(api.t0 + HOUR - 1)]);
      assert.deepEqual([onTime.price.id, onTime.cost], [v2.id, '2']);
      const reread = expectStatus(await api.get(`/v1/usage-events/${early.id}`), 200);
      assert.deepEqual([reread.price.id, reread.price.amount, reread.cost], [v1.id, '1', '1']);
    }
  });
});

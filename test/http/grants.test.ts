import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/** amount = available + held + consumed + expired + voided (docs/semantics.md#grants-debits-and-burn-order), in the unit's smallest step. */
function assertSplit(grant: Json): void {
  const cents = (value: string) => BigInt(Math.round(Number(value) * 100));
  const parts = ['available', 'held', 'consumed', 'expired', 'voided'].map((part) => cents(grant[part]));
  assert.equal(parts.reduce((sum, part) => sum + part, 0n), cents(grant.amount), `split of ${JSON.stringify(grant)}`);
}

const ids = (list: Json) => list.data.map((item: { id: string }) => item.id);

describe('grants', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('POST /v1/grants', () => {
    it('creates an active grant with the documented defaults, and its wallet', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const response = await api.post('/v1/grants', { ...wallet, amount: '250.5' });
      const grant = expectStatus(response, 201);
      assert.match(grant.id, /^grt_[0-9a-z]{26}$/);
      assert.match(grant.walletId, /^wal_/);
      assert.deepEqual(
        { ...grant, id: undefined, walletId: undefined },
        {
          object: 'grant',
          id: undefined,
          customerId: wallet.customerId,
          unit: wallet.unit,
          walletKey: null,
          walletId: undefined,
          amount: '250.5',
          available: '250.5',
          held: '0',
          consumed: '0',
          expired: '0',
          voided: '0',
          status: 'active',
          category: 'promotional',
          priority: 50,
          effectiveAt: iso(now),
          expiresAt: null,
          voidedAt: null,
          createdAt: iso(now),
          name: null,
          metadata: {},
          cost: null,
          appliesTo: [],
          source: 'manual',
          scheduleId: null,
          recurrencePeriod: null,
          resetMaxRollover: null,
          resetMinRollover: null,
          rolledOver: '0',
        },
      );
      const wallets = expectStatus(await api.get(`/v1/wallets?customerId=${wallet.customerId}`), 200);
      assert.deepEqual(ids(wallets), [grant.walletId]);
      assert.equal((await api.balance(wallet)).available, '250.5');
    });

    it('keeps every given field: category, priority, expiry, name, metadata, cost, appliesTo, walletKey', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({
        ...wallet,
        walletKey: 'sub_42',
        amount: 12.25,
        category: 'paid',
        priority: 0,
        expiresAt: iso(now + 30 * DAY),
        name: 'Top-up',
        metadata: { order: 'o_1' },
        cost: { amount: '9.99', currency: 'usd' },
        appliesTo: ['chat', 'images'],
      });
      assert.equal(grant.amount, '12.25', 'a JSON number is read through its shortest decimal form');
      assert.equal(grant.walletKey, 'sub_42');
      assert.equal(grant.category, 'paid');
      assert.equal(grant.priority, 0);
      assert.equal(grant.expiresAt, iso(now + 30 * DAY));
      assert.equal(grant.name, 'Top-up');
      assert.deepEqual(grant.metadata, { order: 'o_1' });
      assert.deepEqual(grant.cost, { amount: '9.99', currency: 'usd' });
      assert.deepEqual(grant.appliesTo, ['chat', 'images']);
      // A wallet key names a separate wallet.
      assert.equal((await api.balance(wallet)).available, '0');
      assert.equal((await api.balance({ ...wallet, walletKey: 'sub_42' })).available, '12.25');
    });

    it('accepts a timestamp with an offset and normalises it to UTC with milliseconds', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const later = new Date(now + DAY);
      const withOffset = `${iso(later.getTime() + 2 * HOUR).slice(0, 19)}+02:00`;
      const grant = await api.grant({ ...wallet, expiresAt: withOffset });
      assert.equal(grant.expiresAt, iso(later.getTime()));
    });

    it('creates a scheduled grant that is not spendable until effectiveAt', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const grant = await local.grant({ ...wallet, amount: '40', effectiveAt: iso(local.t0 + HOUR) });
        assert.equal(grant.status, 'scheduled');
        const balance = await local.balance(wallet);
        assert.equal(balance.available, '0');
        assert.equal(balance.scheduled, '40');
        const refused = await local.expectNoWrites(() => local.post('/v1/debits', { ...wallet, amount: '1' }));
        expectError(refused, { status: 402, code: 'insufficient_balance' });
        assert.equal(refused.body.error.details.available, '0');

        await local.advanceClock(local.t0 + HOUR);
        assert.equal(expectStatus(await local.get(`/v1/grants/${grant.id}`), 200).status, 'active');
        assert.equal((await local.balance(wallet)).available, '40');
        await local.debit({ ...wallet, amount: '1' });
      } finally {
        await local.close();
      }
    });

    it('rejects an expiresAt that is not later than effectiveAt, writing nothing', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      for (const body of [
        { effectiveAt: iso(now + DAY), expiresAt: iso(now + DAY) },
        { effectiveAt: iso(now + DAY), expiresAt: iso(now + HOUR) },
        { expiresAt: iso(now - MINUTE) },
      ]) {
        const response = await api.expectNoWrites(() => api.post('/v1/grants', { ...wallet, amount: '1', ...body }));
        expectError(response, { status: 400, code: 'validation_error', param: 'expiresAt' });
      }
    });

    it('rejects a priority outside 0..100 and an unknown category', async () => {
      const wallet = await api.wallet();
      for (const [field, value] of [
        ['priority', 101],
        ['priority', -1],
        ['priority', 1.5],
        ['category', 'gift'],
      ] as const) {
        const response = await api.expectNoWrites(() => api.post('/v1/grants', { ...wallet, amount: '1', [field]: value }));
        expectError(response, { status: 400, code: 'validation_error', param: field });
      }
    });

    it('rejects a cost with a negative amount or an upper-case currency', async () => {
      const wallet = await api.wallet();
      expectError(await api.expectNoWrites(() => api.post('/v1/grants', { ...wallet, amount: '1', cost: { amount: '-1', currency: 'usd' } })), {
        status: 400,
        code: 'validation_error',
        param: 'cost.amount',
      });
      expectError(await api.expectNoWrites(() => api.post('/v1/grants', { ...wallet, amount: '1', cost: { amount: '1', currency: 'USD' } })), {
        status: 400,
        code: 'validation_error',
        param: 'cost.currency',
      });
    });

    it('replays a grant for the same idempotency key and wallet, also after 24 hours; the key is scoped to the wallet', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const body = { ...wallet, amount: '10' };
        const first = await local.post('/v1/grants', body, { idempotencyKey: 'grant-once' });
        assert.equal(first.status, 201);
        assert.equal(first.headers['idempotent-replayed'], undefined);
        await local.advanceClock(local.t0 + 2 * DAY);
        const replay = await local.expectNoWrites(() => local.post('/v1/grants', body, { idempotencyKey: 'grant-once' }));
        assert.equal(replay.status, 201);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.body, first.body);
        assert.equal((await local.balance(wallet)).available, '10');

        // Another wallet (another wallet key) may use the same key for its own grant.
        const other = await local.post('/v1/grants', { ...body, walletKey: 'other' }, { idempotencyKey: 'grant-once' });
        assert.equal(other.status, 201);
        assert.equal(other.headers['idempotent-replayed'], undefined);
        assert.notEqual(other.body.id, first.body.id);
      } finally {
        await local.close();
      }
    });
    it('replays a grant whose expiresAt has passed since (a late retry is a replay, not a 400)', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const body = { ...wallet, amount: '5', expiresAt: iso(local.t0 + HOUR) };
        const first = expectStatus(await local.post('/v1/grants', body, { idempotencyKey: 'late-retry' }), 201);
        await local.advanceClock(local.t0 + 2 * HOUR);
        const retry = await local.expectNoWrites(() => local.post('/v1/grants', body, { idempotencyKey: 'late-retry' }));
        assert.equal(retry.status, 201, retry.text);
        assert.equal(retry.headers['idempotent-replayed'], 'true');
        assert.deepEqual(retry.body, first);
        // Without the key, the same body is now invalid.
        const fresh = await local.expectNoWrites(() => local.post('/v1/grants', body));
        expectError(fresh, { status: 400, code: 'validation_error', param: 'expiresAt' });
      } finally {
        await local.close();
      }
    });
  });

  describe('GET /v1/grants/:id', () => {
    it('returns the grant with its parts, and shows it expired at expiresAt', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const grant = await local.grant({ ...wallet, amount: '100', expiresAt: iso(local.t0 + DAY) });
        await local.debit({ ...wallet, amount: '30' });
        const fetched = expectStatus(await local.get(`/v1/grants/${grant.id}`), 200);
        assert.equal(fetched.status, 'active');
        assert.equal(fetched.available, '70');
        assert.equal(fetched.consumed, '30');
        assertSplit(fetched);

        await local.advanceClock(local.t0 + DAY);
        const expired = expectStatus(await local.get(`/v1/grants/${grant.id}`), 200);
        assert.equal(expired.status, 'expired');
        assert.equal(expired.available, '0');
        assert.equal(expired.consumed, '30');
        assert.equal(expired.expired, '70');
        assertSplit(expired);
      } finally {
        await local.close();
      }
    });

    it('answers 404 for an unknown grant and 400 for an ID over 100 characters', async () => {
      expectError(await api.get('/v1/grants/grt_00000000000000000000000000'), { status: 404, code: 'not_found', message: 'grt_00000000000000000000000000' });
      expectError(await api.get(`/v1/grants/grt_${'x'.repeat(100)}`), { status: 400, code: 'validation_error', param: 'id' });
    });
  });

  describe('GET /v1/grants', () => {
    let list: TestApi;
    let wallet: { customerId: string; unit: string };
    let otherCustomer: string;
    const grants: Record<string, Json> = {};

    before(async () => {
      list = await startTestApi();
      wallet = await list.wallet();
      const t0 = list.t0;
      grants.first = await list.grant({ ...wallet, amount: '1' });
      grants.second = await list.grant({ ...wallet, amount: '2' });
      grants.expiring = await list.grant({ ...wallet, amount: '3', expiresAt: iso(t0 + HOUR) });
      grants.voided = await list.grant({ ...wallet, amount: '4' });
      grants.scheduled = await list.grant({ ...wallet, amount: '5', effectiveAt: iso(t0 + DAY) });
      expectStatus(await list.post(`/v1/grants/${grants.voided.id}/void`, {}), 200);
      const otherUnit = (await list.createUnit()).code;
      grants.otherUnit = await list.grant({ customerId: wallet.customerId, unit: otherUnit, amount: '6' });
      otherCustomer = (await list.createCustomer()).id;
      grants.otherCustomer = await list.grant({ customerId: otherCustomer, unit: wallet.unit, amount: '7' });
      await list.advanceClock(t0 + 2 * HOUR);
    });

    after(async () => {
      await list.close();
    });

    it('lists newest first and leaves voided grants out unless includeVoided=true', async () => {
      const all = expectStatus(await list.get('/v1/grants'), 200);
      assert.equal(all.object, 'list');
      assert.equal(all.hasMore, false);
      assert.deepEqual(ids(all), [grants.otherCustomer, grants.otherUnit, grants.scheduled, grants.expiring, grants.second, grants.first].map((grant) => grant.id));
      const withVoided = expectStatus(await list.get('/v1/grants?includeVoided=true'), 200);
      assert.deepEqual(
        ids(withVoided),
        [grants.otherCustomer, grants.otherUnit, grants.scheduled, grants.voided, grants.expiring, grants.second, grants.first].map((grant) => grant.id),
      );
      expectStatus(await list.get('/v1/grants?includeVoided=false'), 200);
      expectError(await list.get('/v1/grants?includeVoided=yes'), { status: 400, code: 'validation_error', param: 'includeVoided' });
    });

    it('filters by customerId and unit', async () => {
      const byCustomer = expectStatus(await list.get(`/v1/grants?customerId=${otherCustomer}`), 200);
      assert.deepEqual(ids(byCustomer), [grants.otherCustomer.id]);
      const byWallet = expectStatus(await list.get(`/v1/grants?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200);
      assert.deepEqual(ids(byWallet), [grants.scheduled, grants.expiring, grants.second, grants.first].map((grant) => grant.id));
      const byUnit = expectStatus(await list.get(`/v1/grants?unit=${grants.otherUnit.unit}`), 200);
      assert.deepEqual(ids(byUnit), [grants.otherUnit.id]);
      const none = expectStatus(await list.get('/v1/grants?customerId=cus_nobody'), 200);
      assert.deepEqual(none.data, []);
    });

    it('filters by derived status at the test clock', async () => {
      const byStatus = async (status: string) =>
        ids(expectStatus(await list.get(`/v1/grants?status=${status}&customerId=${wallet.customerId}&unit=${wallet.unit}`), 200));
      assert.deepEqual(await byStatus('active'), [grants.second.id, grants.first.id]);
      assert.deepEqual(await byStatus('expired'), [grants.expiring.id]);
      assert.deepEqual(await byStatus('scheduled'), [grants.scheduled.id]);
      assert.deepEqual(await byStatus('voided'), [grants.voided.id]);
      assert.deepEqual(await byStatus('payment_pending'), []);
      const expired = expectStatus(await list.get(`/v1/grants?status=expired&customerId=${wallet.customerId}&unit=${wallet.unit}`), 200).data[0];
      assert.equal(expired.status, 'expired');
      assert.equal(expired.expired, '3');
      expectError(await list.get('/v1/grants?status=dormant'), { status: 400, code: 'validation_error', param: 'status' });
    });

    it('pages with limit and startingAfter until hasMore is false', async () => {
      const expected = ids(expectStatus(await list.get('/v1/grants?includeVoided=true&limit=100'), 200));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = expectStatus(await list.get(`/v1/grants?includeVoided=true&limit=3${cursor ? `&startingAfter=${cursor}` : ''}`), 200);
        pages += 1;
        assert.ok(page.data.length <= 3);
        seen.push(...ids(page));
        if (!page.hasMore) break;
        cursor = page.data.at(-1).id;
      }
      assert.equal(expected.length, 7);
      assert.equal(pages, 3);
      assert.deepEqual(seen, expected);
    });

    it('pages within a filter', async () => {
      const filter = `customerId=${wallet.customerId}&unit=${wallet.unit}&status=active`;
      const first = expectStatus(await list.get(`/v1/grants?${filter}&limit=1`), 200);
      assert.deepEqual(ids(first), [grants.second.id]);
      assert.equal(first.hasMore, true);
      const second = expectStatus(await list.get(`/v1/grants?${filter}&limit=1&startingAfter=${grants.second.id}`), 200);
      assert.deepEqual(ids(second), [grants.first.id]);
      assert.equal(second.hasMore, false);
    });
  });

  describe('PATCH /v1/grants/:id', () => {
    it('updates name, priority and expiresAt, and merges metadata ("" removes a key)', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({ ...wallet, name: 'Old', metadata: { keep: '1', drop: '2' }, expiresAt: iso(now + DAY) });
      const updated = expectStatus(
        await api.patch(`/v1/grants/${grant.id}`, { name: 'New', priority: 7, expiresAt: iso(now + 2 * DAY), metadata: { drop: '', add: '3' } }),
        200,
      );
      assert.equal(updated.name, 'New');
      assert.equal(updated.priority, 7);
      assert.equal(updated.expiresAt, iso(now + 2 * DAY));
      assert.deepEqual(updated.metadata, { keep: '1', add: '3' });
      assert.deepEqual(expectStatus(await api.get(`/v1/grants/${grant.id}`), 200), updated, 'the change is stored');
      const neverExpires = expectStatus(await api.patch(`/v1/grants/${grant.id}`, { expiresAt: null }), 200);
      assert.equal(neverExpires.expiresAt, null);
    });

    it('changes the burn order through priority', async () => {
      const wallet = await api.wallet();
      const first = await api.grant({ ...wallet, amount: '10', priority: 10 });
      const second = await api.grant({ ...wallet, amount: '10', priority: 20 });
      expectStatus(await api.patch(`/v1/grants/${second.id}`, { priority: 5 }), 200);
      const debit = await api.debit({ ...wallet, amount: '4' });
      assert.deepEqual(debit.allocations, [{ grantId: second.id, amount: '4' }]);
      assert.equal(expectStatus(await api.get(`/v1/grants/${first.id}`), 200).available, '10');
    });

    it('rejects an expiresAt in the past (400) and a change to a voided grant (409), writing nothing', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({ ...wallet });
      const past = await api.expectNoWrites(() => api.patch(`/v1/grants/${grant.id}`, { expiresAt: iso(now - HOUR) }));
      expectError(past, { status: 400, code: 'validation_error', param: 'expiresAt' });
      expectStatus(await api.post(`/v1/grants/${grant.id}/void`, {}), 200);
      const voided = await api.expectNoWrites(() => api.patch(`/v1/grants/${grant.id}`, { name: 'late' }));
      expectError(voided, { status: 409, code: 'state_conflict' });
      const unknown = await api.expectNoWrites(() => api.patch('/v1/grants/grt_missing', { name: 'x' }));
      expectError(unknown, { status: 404, code: 'not_found' });
      const notAllowed = await api.expectNoWrites(() => api.patch(`/v1/grants/${grant.id}`, { amount: '5' }));
      expectError(notAllowed, { status: 400, code: 'validation_error', param: 'amount' });
    });
  });

  describe('POST /v1/grants/:id/void', () => {
    it('forfeits what is available now, keeps what was consumed, and is idempotent', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({ ...wallet, amount: '100' });
      await api.debit({ ...wallet, amount: '40' });
      const voided = expectStatus(await api.post(`/v1/grants/${grant.id}/void`, {}), 200);
      assert.equal(voided.status, 'voided');
      assert.equal(voided.voidedAt, iso(now));
      assert.equal(voided.available, '0');
      assert.equal(voided.consumed, '40');
      assert.equal(voided.voided, '60');
      assertSplit(voided);
      assert.equal((await api.balance(wallet)).available, '0');

      const again = await api.expectNoWrites(() => api.post(`/v1/grants/${grant.id}/void`, {}));
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, voided, 'voiding twice returns the same voided grant');

      const entries = expectStatus(await api.get(`/v1/ledger-entries?grantId=${grant.id}`), 200);
      assert.deepEqual(
        entries.data.map((entry: Json) => [entry.type, entry.amount]),
        [
          ['void', '-60'],
          ['debit', '-40'],
          ['grant', '100'],
        ],
      );
    });

    it('voids a scheduled grant whole, with no ledger entry', async () => {
      const wallet = await api.wallet();
      const grant = await api.grant({ ...wallet, amount: '5', effectiveAt: iso((await api.now()) + DAY) });
      const voided = expectStatus(await api.post(`/v1/grants/${grant.id}/void`), 200);
      assert.equal(voided.voided, '5');
      assert.equal(voided.status, 'voided');
      assert.deepEqual(expectStatus(await api.get(`/v1/ledger-entries?grantId=${grant.id}`), 200).data, []);
      assert.equal((await api.balance(wallet)).scheduled, '0');
    });

    it('answers 404 for an unknown grant and rejects unknown body fields', async () => {
      expectError(await api.expectNoWrites(() => api.post('/v1/grants/grt_missing/void', {})), { status: 404, code: 'not_found' });
      const wallet = await api.wallet();
      const grant = await api.grant({ ...wallet });
      const response = await api.expectNoWrites(() => api.post(`/v1/grants/${grant.id}/void`, { reason: 'fraud' }));
      expectError(response, { status: 400, code: 'validation_error', param: 'reason' });
    });
  });

  describe('POST /v1/grants/:id/expire', () => {
    it('expires the grant now, booking an expiry at that instant; expiring again changes nothing', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({ ...wallet, amount: '20', expiresAt: iso(now + DAY) });
      await api.debit({ ...wallet, amount: '5' });
      const expired = expectStatus(await api.post(`/v1/grants/${grant.id}/expire`, {}), 200);
      assert.equal(expired.status, 'expired');
      assert.equal(expired.expiresAt, iso(now));
      assert.equal(expired.expired, '15');
      assert.equal(expired.consumed, '5');
      assertSplit(expired);
      const [latest] = expectStatus(await api.get(`/v1/ledger-entries?grantId=${grant.id}&limit=1`), 200).data;
      assert.deepEqual([latest.type, latest.amount, latest.effectiveAt], ['expiry', '-15', iso(now)]);
      assert.equal((await api.balance(wallet)).available, '0');

      const again = await api.expectNoWrites(() => api.post(`/v1/grants/${grant.id}/expire`, {}));
      assert.equal(again.status, 200);
      assert.equal(again.body.expired, '15');
    });

    it('refuses to expire a scheduled or a voided grant (409 state_conflict), writing nothing', async () => {
      const wallet = await api.wallet();
      const scheduled = await api.grant({ ...wallet, effectiveAt: iso((await api.now()) + DAY) });
      expectError(await api.expectNoWrites(() => api.post(`/v1/grants/${scheduled.id}/expire`, {})), { status: 409, code: 'state_conflict' });
      const voided = await api.grant({ ...wallet });
      expectStatus(await api.post(`/v1/grants/${voided.id}/void`, {}), 200);
      expectError(await api.expectNoWrites(() => api.post(`/v1/grants/${voided.id}/expire`, {})), { status: 409, code: 'state_conflict' });
      expectError(await api.expectNoWrites(() => api.post('/v1/grants/grt_missing/expire', {})), { status: 404, code: 'not_found' });
    });
  });

  it('reads back a balance that recurring issues took past the 25 digits a request may send', async () => {
    const wallet = await api.wallet({ scale: 0 });
    const largest = '9'.repeat(25);
    await api.grant({ ...wallet, amount: largest, recurrencePeriod: 'P1D' });
    await api.advanceClock((await api.now()) + DAY);
    const twice = (2n * BigInt(largest)).toString();
    assert.equal(expectStatus(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}`), 200).available, twice);
    const entries = expectStatus(await api.get(`/v1/ledger-entries?customerId=${wallet.customerId}`), 200);
    assert.deepEqual(entries.data.map((entry: Json) => entry.balanceAfter), [twice, largest]);
    expectStatus(await api.get('/v1/ledger-entries?limit=2'), 200);
    // A debit of the largest amount a request may send still books on it.
    assert.equal(expectStatus(await api.post('/v1/debits', { ...wallet, amount: largest }), 201).amount, largest);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, HOUR, iso, MINUTE, SECOND, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

const allocationsOf = (item: Json) => item.allocations.map((allocation: Json) => [allocation.grantId, allocation.amount]);

describe('holds', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('POST /v1/holds and GET /v1/holds/:id', () => {
    it('reserves credit in burn order for an hour by default; held credit is not available to debits', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const first = await api.grant({ ...wallet, amount: '6', priority: 1 });
      const second = await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '8', metadata: { job: 'j_1' } });
      assert.match(hold.id, /^hld_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...hold, id: undefined, allocations: undefined },
        {
          object: 'hold',
          id: undefined,
          customerId: wallet.customerId,
          unit: wallet.unit,
          walletKey: null,
          amount: '8',
          capturedAmount: '0',
          feature: null,
          status: 'active',
          expiresAt: iso(now + HOUR),
          allocations: undefined,
          debitId: null,
          debit: null,
          createdAt: iso(now),
          endedAt: null,
          metadata: { job: 'j_1' },
        },
      );
      assert.deepEqual(allocationsOf(hold), [
        [first.id, '6'],
        [second.id, '2'],
      ]);
      const balance = await api.balance(wallet);
      assert.deepEqual([balance.available, balance.held], ['8', '8']);
      const grant = expectStatus(await api.get(`/v1/grants/${second.id}`), 200);
      assert.deepEqual([grant.available, grant.held], ['8', '2']);

      const refused = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '9' }));
      assert.equal(expectError(refused, { status: 402, code: 'insufficient_balance' }).details.available, '8');

      const fetched = expectStatus(await api.get(`/v1/holds/${hold.id}`), 200);
      assert.deepEqual(fetched, hold);
    });

    it('takes ttlSeconds or expiresAt, but not both, and at most 30 days', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      await api.grant({ ...wallet, amount: '10' });
      assert.equal((await api.hold({ ...wallet, amount: '1', ttlSeconds: 90 })).expiresAt, iso(now + 90 * SECOND));
      assert.equal((await api.hold({ ...wallet, amount: '1', expiresAt: iso(now + DAY) })).expiresAt, iso(now + DAY));
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ttlSeconds: 60, expiresAt: iso(now + DAY) }, 'ttlSeconds'],
        [{ ttlSeconds: 31 * 24 * 3600 }, 'ttlSeconds'],
        [{ expiresAt: iso(now + 31 * DAY) }, 'expiresAt'],
        [{ expiresAt: iso(now) }, 'expiresAt'],
        [{ ttlSeconds: 0 }, 'ttlSeconds'],
        [{ ttlSeconds: '60' }, 'ttlSeconds'],
      ];
      for (const [extra, param] of cases) {
        const response = await api.expectNoWrites(() => api.post('/v1/holds', { ...wallet, amount: '1', ...extra }));
        expectError(response, { status: 400, code: 'validation_error', param });
      }
    });

    it('refuses a hold larger than what is available (402), writing nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '3' });
      await api.grant({ ...wallet, amount: '100', appliesTo: ['video'] });
      const response = await api.expectNoWrites(() => api.post('/v1/holds', { ...wallet, amount: '4', feature: 'chat' }));
      assert.deepEqual(expectError(response, { status: 402, code: 'insufficient_balance' }).details, { available: '3', requested: '4', overdraftRoom: '0' });
      const video = await api.hold({ ...wallet, amount: '50', feature: 'video' });
      assert.equal(video.feature, 'video');
    });

    it('answers 404 for an unknown hold', async () => {
      expectError(await api.get('/v1/holds/hld_00000000000000000000000000'), { status: 404, code: 'not_found', message: 'hld_00000000000000000000000000' });
    });

    it('replays a hold whose expiresAt has passed since (a late retry is a replay, not a 400)', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        await local.grant({ ...wallet, amount: '10' });
        const body = { ...wallet, amount: '4', expiresAt: iso(local.t0 + 10 * MINUTE) };
        const first = expectStatus(await local.post('/v1/holds', body, { idempotencyKey: 'late-hold' }), 201);
        await local.advanceClock(local.t0 + HOUR);
        const retry = await local.expectNoWrites(() => local.post('/v1/holds', body, { idempotencyKey: 'late-hold' }));
        assert.equal(retry.status, 201, retry.text);
        assert.equal(retry.headers['idempotent-replayed'], 'true');
        assert.deepEqual(retry.body, first);
        const fresh = await local.expectNoWrites(() => local.post('/v1/holds', body));
        expectError(fresh, { status: 400, code: 'validation_error', param: 'expiresAt' });
      } finally {
        await local.close();
      }
    });
  });

  describe('POST /v1/holds/:id/capture', () => {
    it('captures part of a hold as a debit and releases the rest', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const first = await api.grant({ ...wallet, amount: '5', priority: 1 });
      const second = await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '9', feature: 'chat' });
      const captured = expectStatus(await api.post(`/v1/holds/${hold.id}/capture`, { amount: '6.5', metadata: { tokens: '6500' } }), 200);
      assert.equal(captured.status, 'captured');
      assert.equal(captured.capturedAmount, '6.5');
      assert.equal(captured.endedAt, iso(now));
      assert.match(captured.debitId, /^dbt_/);
      assert.equal(captured.debit.id, captured.debitId);
      assert.equal(captured.debit.holdId, hold.id);
      assert.equal(captured.debit.amount, '6.5');
      assert.equal(captured.debit.feature, 'chat');
      assert.deepEqual(captured.debit.metadata, { tokens: '6500' });
      assert.deepEqual(allocationsOf(captured.debit), [
        [first.id, '5'],
        [second.id, '1.5'],
      ]);
      const balance = await api.balance(wallet);
      assert.deepEqual([balance.available, balance.held], ['8.5', '0']);
      const grant = expectStatus(await api.get(`/v1/grants/${second.id}`), 200);
      assert.deepEqual([grant.available, grant.held, grant.consumed], ['8.5', '0', '1.5']);
      const types = expectStatus(await api.get(`/v1/ledger-entries?customerId=${wallet.customerId}&limit=3`), 200).data.map((entry: Json) => [
        entry.type,
        entry.grantId,
        entry.amount,
        entry.heldAmount,
      ]);
      assert.deepEqual(types, [
        ['release', second.id, '2.5', '-2.5'],
        ['capture', second.id, '0', '-1.5'],
        ['capture', first.id, '0', '-5'],
      ]);
      const fetched = expectStatus(await api.get(`/v1/holds/${hold.id}`), 200);
      assert.equal(fetched.status, 'captured');
      assert.equal(fetched.debitId, captured.debitId);
    });

    it('captures the whole hold without an amount (and with no body at all)', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '4' });
      const captured = expectStatus(await api.post(`/v1/holds/${hold.id}/capture`), 200);
      assert.equal(captured.capturedAmount, '4');
      assert.equal(captured.debit.amount, '4');
      assert.equal((await api.balance(wallet)).available, '6');
    });

    it('refuses to capture more than is held (400 amount), writing nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '4' });
      const response = await api.expectNoWrites(() => api.post(`/v1/holds/${hold.id}/capture`, { amount: '4.01' }));
      expectError(response, { status: 400, code: 'validation_error', param: 'amount' });
      const zero = await api.expectNoWrites(() => api.post(`/v1/holds/${hold.id}/capture`, { amount: '0' }));
      expectError(zero, { status: 400, code: 'validation_error', param: 'amount' });
      assert.equal(expectStatus(await api.get(`/v1/holds/${hold.id}`), 200).status, 'active');
    });

    it('refuses to capture a released or captured hold (409 state_conflict), writing nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const released = await api.hold({ ...wallet, amount: '2' });
      expectStatus(await api.post(`/v1/holds/${released.id}/release`, {}), 200);
      expectError(await api.expectNoWrites(() => api.post(`/v1/holds/${released.id}/capture`, {})), { status: 409, code: 'state_conflict' });
      expectError(await api.expectNoWrites(() => api.post(`/v1/holds/${released.id}/release`, {})), { status: 409, code: 'state_conflict' });
      const captured = await api.hold({ ...wallet, amount: '2' });
      expectStatus(await api.post(`/v1/holds/${captured.id}/capture`, {}), 200);
      expectError(await api.expectNoWrites(() => api.post(`/v1/holds/${captured.id}/capture`, {})), { status: 409, code: 'state_conflict' });
      expectError(await api.expectNoWrites(() => api.post(`/v1/holds/${captured.id}/release`, {})), { status: 409, code: 'state_conflict' });
      expectError(await api.expectNoWrites(() => api.post('/v1/holds/hld_missing/capture', {})), { status: 404, code: 'not_found' });
    });

    it('replays a capture for the same idempotency key instead of conflicting', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '5' });
      const first = await api.post(`/v1/holds/${hold.id}/capture`, { amount: '3' }, { idempotencyKey: 'capture-1' });
      assert.equal(first.status, 200);
      const again = await api.expectNoWrites(() => api.post(`/v1/holds/${hold.id}/capture`, { amount: '3' }, { idempotencyKey: 'capture-1' }));
      assert.equal(again.status, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.body, first.body);
    });
  });

  describe('POST /v1/holds/:id/release', () => {
    it('returns all of it to the grants', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const grant = await api.grant({ ...wallet, amount: '10' });
      const hold = await api.hold({ ...wallet, amount: '7' });
      const released = expectStatus(await api.post(`/v1/holds/${hold.id}/release`, {}), 200);
      assert.equal(released.status, 'released');
      assert.equal(released.capturedAmount, '0');
      assert.equal(released.endedAt, iso(now));
      assert.equal(released.debitId, null);
      const balance = await api.balance(wallet);
      assert.deepEqual([balance.available, balance.held], ['10', '0']);
      const fetched = expectStatus(await api.get(`/v1/grants/${grant.id}`), 200);
      assert.deepEqual([fetched.available, fetched.held, fetched.consumed], ['10', '0', '0']);
      expectError(await api.expectNoWrites(() => api.post('/v1/holds/hld_missing/release', {})), { status: 404, code: 'not_found' });
    });
  });

  describe('holds and time', () => {
    it('a hold expires on its own at expiresAt; its credit comes back and it can no longer be captured', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        await local.grant({ ...wallet, amount: '10' });
        const hold = await local.hold({ ...wallet, amount: '4', ttlSeconds: 600 });
        await local.advanceClock(local.t0 + 10 * MINUTE);
        const expired = expectStatus(await local.get(`/v1/holds/${hold.id}`), 200);
        assert.equal(expired.status, 'expired');
        assert.equal(expired.endedAt, iso(local.t0 + 10 * MINUTE));
        const balance = await local.balance(wallet);
        assert.deepEqual([balance.available, balance.held], ['10', '0']);
        expectError(await local.expectNoWrites(() => local.post(`/v1/holds/${hold.id}/capture`, {})), { status: 409, code: 'state_conflict' });
      } finally {
        await local.close();
      }
    });

    it('keeps the held part of a grant that expires while held usable by the hold; what is released then expires at once', async () => {
      const local = await startTestApi();
      try {
        const wallet = await local.wallet();
        const grant = await local.grant({ ...wallet, amount: '10', expiresAt: iso(local.t0 + 30 * MINUTE) });
        const captureLater = await local.hold({ ...wallet, amount: '4', ttlSeconds: 3600 });
        const releaseLater = await local.hold({ ...wallet, amount: '3', ttlSeconds: 3600 });
        await local.advanceClock(local.t0 + 45 * MINUTE);
        let balance = await local.balance(wallet);
        assert.deepEqual([balance.available, balance.held], ['0', '7']);
        let fetched = expectStatus(await local.get(`/v1/grants/${grant.id}`), 200);
        assert.deepEqual([fetched.status, fetched.available, fetched.held, fetched.expired], ['expired', '0', '7', '3']);

        const captured = expectStatus(await local.post(`/v1/holds/${captureLater.id}/capture`, {}), 200);
        assert.equal(captured.debit.amount, '4');
        assert.deepEqual(allocationsOf(captured.debit), [[grant.id, '4']]);
        expectStatus(await local.post(`/v1/holds/${releaseLater.id}/release`, {}), 200);
        fetched = expectStatus(await local.get(`/v1/grants/${grant.id}`), 200);
        assert.deepEqual([fetched.available, fetched.held, fetched.consumed, fetched.expired], ['0', '0', '4', '6']);
        balance = await local.balance(wallet);
        assert.deepEqual([balance.available, balance.held], ['0', '0']);
      } finally {
        await local.close();
      }
    });
  });
});

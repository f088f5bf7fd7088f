import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, HOUR, iso, MINUTE, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/** Balances now and as of a past time, and the ledger they are projections of. */
describe('balances and the ledger', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('GET /v1/balances', () => {
    it('reports available, held, scheduled, overdraft and net, with the per-grant breakdown', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const active = await api.grant({ ...wallet, amount: '30', priority: 5, category: 'paid', expiresAt: iso(now + DAY) });
      const scheduled = await api.grant({ ...wallet, amount: '20', effectiveAt: iso(now + HOUR) });
      await api.hold({ ...wallet, amount: '12' });
      expectStatus(await api.post('/v1/wallets', { ...wallet, overdraftLimit: '50' }), 200);
      const balance = await api.balance(wallet);
      assert.deepEqual(balance, {
        object: 'balance',
        customerId: wallet.customerId,
        unit: wallet.unit,
        walletKey: null,
        at: iso(now),
        available: '18',
        held: '12',
        scheduled: '20',
        overdraft: '0',
        net: '18',
        overdraftLimit: '50',
        currentPeriodStart: null,
        currentPeriodEnd: null,
        usageInPeriod: null,
        grants: [
          {
            grantId: active.id,
            status: 'active',
            category: 'paid',
            priority: 5,
            available: '18',
            held: '12',
            effectiveAt: iso(now),
            expiresAt: iso(now + DAY),
            rolledOver: '0',
          },
          {
            grantId: scheduled.id,
            status: 'scheduled',
            category: 'promotional',
            priority: 50,
            available: '20',
            held: '0',
            effectiveAt: iso(now + HOUR),
            expiresAt: null,
            rolledOver: '0',
          },
        ],
      });
    });

    it('answers a wallet nothing happened to since with the same text, only `at` moved, and anew after a debit', async () => {
      // The live environment's clock moves, so each read is at its own instant.
      const key = api.liveKey;
      const wallet = await api.wallet({ key });
      await api.grant({ ...wallet, amount: '30', priority: 5, expiresAt: iso(Date.now() + DAY) }, { key });
      await api.grant({ ...wallet, amount: '20', effectiveAt: iso(Date.now() + HOUR) }, { key });
      await api.debit({ ...wallet, amount: '1.5' }, { key }); // leaves a state this process remembers
      const url = `/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}`;
      const reads = [];
      for (let read = 0; read < 3; read += 1) {
        const response = await api.get(url, { key });
        assert.equal(response.status, 200);
        reads.push(response);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const instants = reads.map((response) => Date.parse(response.body.at));
      assert.ok(instants[0]! < instants[1]! && instants[1]! < instants[2]!, `each read at its own instant: ${instants.join(', ')}`);
      const withoutAt = (text: string) => text.replace(/"at":"[^"]+"/, '"at":""');
      assert.deepEqual(new Set(reads.map((response) => withoutAt(response.text))).size, 1, 'the same text but for `at`');
      assert.deepEqual(new Set(reads.map((response) => response.headers['content-type'])), new Set(['application/json; charset=utf-8']));
      assert.deepEqual([reads[2]!.body.available, reads[2]!.body.grants.map((grant: Json) => grant.status)], ['28.5', ['active', 'scheduled']]);
      // As of the last read's instant, replayed from the ledger and rendered by the route's serializer: the same text.
      const past = await api.get(`${url}&at=${encodeURIComponent(reads[2]!.body.at)}`, { key });
      assert.equal(past.text, reads[2]!.text);
      await api.debit({ ...wallet, amount: '1' }, { key });
      assert.equal((await api.balance(wallet, { key })).available, '27.5');
    });

    it('answers zeros for a wallet that does not exist yet, without creating it', async () => {
      const wallet = await api.wallet();
      const balance = await api.expectNoWrites(() => api.balance({ ...wallet, walletKey: 'never-used' }));
      assert.deepEqual(
        [balance.available, balance.held, balance.scheduled, balance.overdraft, balance.net, balance.walletKey, balance.grants],
        ['0', '0', '0', '0', '0', 'never-used', []],
      );
    });

    it('rejects a missing unit, an unknown customer or unit, and a future or malformed `at`', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const base = `/v1/balances?customerId=${wallet.customerId}&unit=${wallet.unit}`;
      expectError(await api.get(`/v1/balances?customerId=${wallet.customerId}`), { status: 400, code: 'validation_error', param: 'unit' });
      expectError(await api.get(`/v1/balances?customerId=cus_missing&unit=${wallet.unit}`), { status: 404, code: 'not_found', param: 'customerId' });
      expectError(await api.get(`/v1/balances?customerId=${wallet.customerId}&unit=missing_unit`), { status: 404, code: 'not_found', param: 'unit' });
      expectError(await api.get(`${base}&at=${encodeURIComponent(iso(now + 1))}`), { status: 400, code: 'validation_error', param: 'at' });
      expectError(await api.get(`${base}&at=yesterday`), { status: 400, code: 'validation_error', param: 'at' });
      expectError(await api.get(`${base}&at=2026-02-30T00:00:00Z`), { status: 400, code: 'validation_error', param: 'at' });
      expectError(await api.get(`${base}&colour=red`), { status: 400, code: 'validation_error', param: 'colour' });
    });

    it('is exact as of a past time after later debits, holds and grants', async () => {
      const local = await startTestApi();
      try {
        const t0 = local.t0;
        const wallet = await local.wallet();
        await local.grant({ ...wallet, amount: '100' });
        await local.debit({ ...wallet, amount: '10' });
        await local.advanceClock(t0 + HOUR);
        await local.debit({ ...wallet, amount: '20' });
        await local.advanceClock(t0 + 2 * HOUR);
        const hold = await local.hold({ ...wallet, amount: '5', ttlSeconds: 4 * 3600 });
        await local.advanceClock(t0 + 3 * HOUR);
        await local.grant({ ...wallet, amount: '1000' });
        expectStatus(await local.post(`/v1/holds/${hold.id}/capture`, { amount: '2' }), 200);
        await local.advanceClock(t0 + 4 * HOUR);

        const at = async (instant: number) => {
          const balance = await local.balance({ ...wallet, at: instant });
          assert.equal(balance.at, iso(instant));
          return [balance.available, balance.held];
        };
        assert.deepEqual(await at(t0 - 1), ['0', '0'], 'before the first grant');
        assert.deepEqual(await at(t0), ['90', '0']);
        assert.deepEqual(await at(t0 + 30 * MINUTE), ['90', '0']);
        assert.deepEqual(await at(t0 + HOUR - 1), ['90', '0']);
        assert.deepEqual(await at(t0 + HOUR), ['70', '0']);
        assert.deepEqual(await at(t0 + 2 * HOUR), ['65', '5']);
        assert.deepEqual(await at(t0 + 3 * HOUR - 1), ['65', '5']);
        assert.deepEqual(await at(t0 + 3 * HOUR), ['1068', '0']);
        assert.deepEqual(await at(t0 + 4 * HOUR), ['1068', '0']);
        const now = await local.balance(wallet);
        assert.deepEqual([now.available, now.held], ['1068', '0']);
      } finally {
        await local.close();
      }
    });

    it('is exact as of a past time after a test-clock advance past an expiry', async () => {
      const local = await startTestApi();
      try {
        const t0 = local.t0;
        const wallet = await local.wallet();
        const expiring = await local.grant({ ...wallet, amount: '50', expiresAt: iso(t0 + DAY) });
        await local.grant({ ...wallet, amount: '7' });
        await local.debit({ ...wallet, amount: '5' });
        await local.advanceClock(t0 + 2 * DAY);

        const now = await local.balance(wallet);
        assert.equal(now.available, '7');
        assert.deepEqual(
          now.grants.map((grant: Json) => grant.grantId),
          [now.grants[0].grantId],
          'the expired grant is gone from the breakdown',
        );
        assert.notEqual(now.grants[0].grantId, expiring.id);
        assert.equal((await local.balance({ ...wallet, at: t0 + DAY - 1 })).available, '52');
        assert.equal((await local.balance({ ...wallet, at: t0 + DAY })).available, '7', 'expiry takes effect at exactly expiresAt');
        const pastBreakdown = (await local.balance({ ...wallet, at: t0 + 12 * HOUR })).grants;
        assert.deepEqual(
          pastBreakdown.map((grant: Json) => [grant.grantId, grant.status, grant.available]),
          [
            [expiring.id, 'active', '45'],
            [pastBreakdown[1].grantId, 'active', '7'],
          ],
        );
        const [expiry] = expectStatus(await local.get(`/v1/ledger-entries?grantId=${expiring.id}&limit=1`), 200).data;
        assert.deepEqual([expiry.type, expiry.amount, expiry.effectiveAt], ['expiry', '-45', iso(t0 + DAY)], 'the entry carries expiresAt as its time');
      } finally {
        await local.close();
      }
    });

    it('does not count, as of a past time, a scheduled grant created later', async () => {
      const local = await startTestApi();
      try {
        const t0 = local.t0;
        const wallet = await local.wallet();
        await local.grant({ ...wallet, amount: '100' });
        await local.advanceClock(t0 + HOUR);
        await local.grant({ ...wallet, amount: '50', effectiveAt: iso(t0 + DAY) });
        const before = await local.balance({ ...wallet, at: t0 + 30 * MINUTE });
        assert.deepEqual([before.available, before.scheduled, before.grants.length], ['100', '0', 1]);
        const after = await local.balance({ ...wallet, at: t0 + HOUR });
        assert.deepEqual([after.available, after.scheduled, after.grants.length], ['100', '50', 2]);
      } finally {
        await local.close();
      }
    });

    it('still counts, as of a past time, a scheduled grant voided later', async () => {
      const local = await startTestApi();
      try {
        const t0 = local.t0;
        const wallet = await local.wallet();
        await local.grant({ ...wallet, amount: '100' });
        const scheduled = await local.grant({ ...wallet, amount: '50', effectiveAt: iso(t0 + DAY) });
        await local.advanceClock(t0 + HOUR);
        expectStatus(await local.post(`/v1/grants/${scheduled.id}/void`, {}), 200);
        const before = await local.balance({ ...wallet, at: t0 + 30 * MINUTE });
        assert.deepEqual([before.available, before.scheduled], ['100', '50']);
        const now = await local.balance(wallet);
        assert.deepEqual([now.available, now.scheduled], ['100', '0']);
      } finally {
        await local.close();
      }
    });

    it('never counts a grant past its expiresAt, even when no sweep has booked the expiry (live clock)', async () => {
      const key = api.liveKey;
      const wallet = await api.wallet({ key });
      const expiresAt = Date.now() + 1000;
      await api.grant({ ...wallet, amount: '9', expiresAt: iso(expiresAt) }, { key });
      await api.grant({ ...wallet, amount: '1' }, { key });
      assert.equal((await api.balance(wallet, { key })).available, '10');
      await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
      assert.equal((await api.balance(wallet, { key })).available, '1');
      const refused = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '2' }, { key }));
      assert.equal(expectError(refused, { status: 402, code: 'insufficient_balance' }).details.available, '1');
    });
  });

  describe('GET /v1/ledger-entries', () => {
    let ledger: TestApi;
    let wallet: { customerId: string; unit: string };
    let keyed: { customerId: string; unit: string; walletKey: string };
    let other: { customerId: string; unit: string };
    let grant: Json;

    before(async () => {
      ledger = await startTestApi();
      wallet = await ledger.wallet();
      keyed = { ...wallet, walletKey: 'project_a' };
      other = await ledger.wallet();
      grant = await ledger.grant({ ...wallet, amount: '10' });
      await ledger.debit({ ...wallet, amount: '1' });
      await ledger.debit({ ...wallet, amount: '2' });
      await ledger.grant({ ...keyed, amount: '5' });
      await ledger.grant({ ...other, amount: '3' });
      const hold = await ledger.hold({ ...wallet, amount: '4' });
      expectStatus(await ledger.post(`/v1/holds/${hold.id}/release`, {}), 200);
    });

    after(async () => {
      await ledger.close();
    });

    it('lists every entry newest first, with a per-wallet sequence and the balance after it', async () => {
      const all = expectStatus(await ledger.get('/v1/ledger-entries?limit=100'), 200);
      assert.equal(all.object, 'list');
      assert.equal(all.hasMore, false);
      assert.equal(all.data.length, 7);
      const mine = all.data.filter((entry: Json) => entry.customerId === wallet.customerId && entry.walletKey === null).reverse();
      assert.deepEqual(
        mine.map((entry: Json) => [entry.sequence, entry.type, entry.amount, entry.heldAmount, entry.balanceAfter, entry.heldAfter]),
        [
          [1, 'grant', '10', '0', '10', '0'],
          [2, 'debit', '-1', '0', '9', '0'],
          [3, 'debit', '-2', '0', '7', '0'],
          [4, 'hold', '-4', '4', '3', '4'],
          [5, 'release', '4', '-4', '7', '0'],
        ],
      );
      const first = mine[0];
      assert.match(first.id, /^le_/);
      assert.equal(first.grantId, grant.id);
      assert.equal(first.walletId, grant.walletId);
      assert.equal(first.unit, wallet.unit);
      assert.equal(first.effectiveAt, iso(ledger.t0));
      assert.ok(mine.filter((entry: Json) => entry.type === 'debit').every((entry: Json) => /^dbt_/.test(entry.debitId)));
      assert.ok(mine.slice(3).every((entry: Json) => /^hld_/.test(entry.holdId)));
    });

    it('filters by customerId, unit, walletKey and grantId', async () => {
      const count = async (query: string) => expectStatus(await ledger.get(`/v1/ledger-entries?limit=100&${query}`), 200).data.length;
      assert.equal(await count(`customerId=${wallet.customerId}`), 6);
      assert.equal(await count(`customerId=${wallet.customerId}&walletKey=project_a`), 1);
      assert.equal(await count(`customerId=${other.customerId}`), 1);
      assert.equal(await count(`unit=${other.unit}`), 1);
      assert.equal(await count(`grantId=${grant.id}`), 5);
      assert.equal(await count('grantId=grt_missing'), 0);
      const keyedEntries = expectStatus(await ledger.get('/v1/ledger-entries?walletKey=project_a'), 200).data;
      assert.deepEqual(keyedEntries.map((entry: Json) => [entry.walletKey, entry.type, entry.amount]), [['project_a', 'grant', '5']]);
    });

    it('pages with limit and startingAfter', async () => {
      const all = expectStatus(await ledger.get('/v1/ledger-entries?limit=100'), 200).data.map((entry: Json) => entry.id);
      const first = expectStatus(await ledger.get('/v1/ledger-entries?limit=4'), 200);
      assert.equal(first.hasMore, true);
      const second = expectStatus(await ledger.get(`/v1/ledger-entries?limit=4&startingAfter=${first.data[3].id}`), 200);
      assert.equal(second.hasMore, false);
      assert.deepEqual([...first.data, ...second.data].map((entry: Json) => entry.id), all);
    });

    it('rejects unknown filters and bad paging', async () => {
      expectError(await ledger.get('/v1/ledger-entries?kind=debit'), { status: 400, code: 'validation_error', param: 'kind' });
      expectError(await ledger.get('/v1/ledger-entries?limit=abc'), { status: 400, code: 'validation_error', param: 'limit' });
      expectError(await ledger.get('/v1/ledger-entries?startingAfter=le_missing'), { status: 400, code: 'validation_error', param: 'startingAfter' });
    });

    it('adds up: the wallet balance is the sum of its entries', async () => {
      const entries = expectStatus(await ledger.get(`/v1/ledger-entries?customerId=${wallet.customerId}&limit=100`), 200).data;
      const byWallet = new Map<string, bigint>();
      for (const entry of entries) {
        const key = entry.walletKey ?? '';
        byWallet.set(key, (byWallet.get(key) ?? 0n) + BigInt(entry.amount));
      }
      assert.equal(String(byWallet.get('')), (await ledger.balance(wallet)).net);
      assert.equal(String(byWallet.get('project_a')), (await ledger.balance(keyed)).net);
    });
  });
});

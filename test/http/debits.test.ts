import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, expectError, expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

const allocationsOf = (debit: Json) => debit.allocations.map((allocation: Json) => [allocation.grantId, allocation.amount]);

describe('debits', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  describe('POST /v1/debits', () => {
    it('takes from spendable grants in the burn order and records who paid what', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      const make = (spec: Record<string, unknown>) => api.grant({ ...wallet, amount: '1', ...spec });
      // Created in an order that the burn order must undo.
      const paidForever = await make({ category: 'paid' });
      const paidExpiring = await make({ category: 'paid', expiresAt: iso(now + 2 * DAY) });
      const promoExpiring = await make({ category: 'promotional', expiresAt: iso(now + 2 * DAY) });
      const lowPriority = await make({ priority: 10 });
      const paidBackdated = await make({ category: 'paid', effectiveAt: iso(now - DAY) });
      const promoForever = await make({ category: 'promotional' });
      const paidForeverLater = await make({ category: 'paid' });
      const sooner = await make({ priority: 50, expiresAt: iso(now + DAY) });
      const lastPriority = await make({ priority: 100, expiresAt: iso(now + HOUR) });

      const response = await api.post('/v1/debits', { ...wallet, amount: '9', metadata: { request: 'r_1' } });
      const debit = expectStatus(response, 201);
      assert.match(debit.id, /^dbt_[0-9a-z]{26}$/);
      assert.deepEqual(
        allocationsOf(debit),
        [lowPriority, sooner, promoExpiring, paidExpiring, promoForever, paidBackdated, paidForever, paidForeverLater, lastPriority].map((grant) => [grant.id, '1']),
      );
      assert.deepEqual(
        { ...debit, id: undefined, allocations: undefined },
        {
          object: 'debit',
          id: undefined,
          customerId: wallet.customerId,
          unit: wallet.unit,
          walletKey: null,
          amount: '9',
          consumed: '9',
          overdrawn: '0',
          shortfall: '0',
          feature: null,
          onInsufficient: 'reject',
          holdId: null,
          allocations: undefined,
          occurredAt: iso(now),
          createdAt: iso(now),
          metadata: { request: 'r_1' },
        },
      );
      assert.equal((await api.balance(wallet)).available, '0');
    });

    it('rejects by default when there is not enough: 402 with the available amount, and nothing written', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10.5' });
      const response = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '10.51' }));
      const error = expectError(response, { status: 402, code: 'insufficient_balance', type: 'balance_error' });
      assert.deepEqual(error.details, { available: '10.5', requested: '10.51', overdraftRoom: '0' });
      assert.equal((await api.balance(wallet)).available, '10.5');
      // Exactly what is there succeeds.
      assert.equal((await api.debit({ ...wallet, amount: '10.5' })).consumed, '10.5');
    });

    it('does not leave an empty wallet behind when a debit on a new wallet is rejected', async () => {
      const wallet = await api.wallet();
      const response = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '1' }));
      expectError(response, { status: 402, code: 'insufficient_balance' });
      assert.deepEqual(expectStatus(await api.get(`/v1/wallets?customerId=${wallet.customerId}`), 200).data, []);
    });

    it('with onInsufficient=partial takes what exists and reports the shortfall', async () => {
      const wallet = await api.wallet();
      const grant = await api.grant({ ...wallet, amount: '3' });
      const debit = await api.debit({ ...wallet, amount: '5', onInsufficient: 'partial' });
      assert.equal(debit.onInsufficient, 'partial');
      assert.equal(debit.amount, '5');
      assert.equal(debit.consumed, '3');
      assert.equal(debit.shortfall, '2');
      assert.equal(debit.overdrawn, '0');
      assert.deepEqual(allocationsOf(debit), [[grant.id, '3']]);
      // Nothing left: a partial debit of an empty wallet consumes nothing.
      const empty = await api.debit({ ...wallet, amount: '1', onInsufficient: 'partial' });
      assert.equal(empty.consumed, '0');
      assert.equal(empty.shortfall, '1');
      assert.deepEqual(empty.allocations, []);
    });

    it('with onInsufficient=overdraft goes negative up to the limit, and a later grant repays first', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '5' });
      const noLimit = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '6', onInsufficient: 'overdraft' }));
      assert.deepEqual(expectError(noLimit, { status: 402, code: 'insufficient_balance' }).details, { available: '5', requested: '6', overdraftRoom: '0' });

      expectStatus(await api.post('/v1/wallets', { ...wallet, overdraftLimit: '10' }), 200);
      const debit = await api.debit({ ...wallet, amount: '12', onInsufficient: 'overdraft' });
      assert.equal(debit.consumed, '5');
      assert.equal(debit.overdrawn, '7');
      assert.equal(debit.shortfall, '0');
      let balance = await api.balance(wallet);
      assert.deepEqual([balance.available, balance.overdraft, balance.net], ['0', '7', '-7']);

      const beyond = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '4', onInsufficient: 'overdraft' }));
      assert.deepEqual(expectError(beyond, { status: 402, code: 'insufficient_balance' }).details, { available: '0', requested: '4', overdraftRoom: '3' });
      assert.equal((await api.debit({ ...wallet, amount: '3', onInsufficient: 'overdraft' })).overdrawn, '3');

      const grant = await api.grant({ ...wallet, amount: '25' });
      assert.equal(grant.consumed, '10', 'the new grant paid back the overdraft');
      assert.equal(grant.available, '15');
      balance = await api.balance(wallet);
      assert.deepEqual([balance.available, balance.overdraft, balance.net], ['15', '0', '15']);
      const entries = expectStatus(await api.get(`/v1/ledger-entries?customerId=${wallet.customerId}&limit=3`), 200).data;
      assert.deepEqual(
        entries.map((entry: Json) => [entry.type, entry.grantId, entry.amount]),
        [
          ['repayment', null, '10'],
          ['repayment', grant.id, '-10'],
          ['grant', grant.id, '25'],
        ],
      );
    });

    it('pays a feature only from grants that apply to it; unrestricted debits skip restricted grants', async () => {
      const wallet = await api.wallet();
      const chatOnly = await api.grant({ ...wallet, amount: '10', priority: 1, appliesTo: ['chat'] });
      const general = await api.grant({ ...wallet, amount: '4' });

      const chat = await api.debit({ ...wallet, amount: '12', feature: 'chat' });
      assert.equal(chat.feature, 'chat');
      assert.deepEqual(allocationsOf(chat), [
        [chatOnly.id, '10'],
        [general.id, '2'],
      ]);

      await api.grant({ ...wallet, amount: '50', appliesTo: ['images'] });
      const images = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '53', feature: 'images' }));
      assert.equal(expectError(images, { status: 402, code: 'insufficient_balance' }).details.available, '52');
      const unrestricted = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '3' }));
      assert.equal(expectError(unrestricted, { status: 402, code: 'insufficient_balance' }).details.available, '2', 'no feature: restricted grants do not pay');
      const otherFeature = await api.debit({ ...wallet, amount: '2', feature: 'audio' });
      assert.deepEqual(allocationsOf(otherFeature), [[general.id, '2']]);
    });

    it('records a past occurredAt and refuses a future one', async () => {
      const wallet = await api.wallet();
      const now = await api.now();
      await api.grant({ ...wallet, amount: '5' });
      const debit = await api.debit({ ...wallet, amount: '1', occurredAt: iso(now - HOUR) });
      assert.equal(debit.occurredAt, iso(now - HOUR));
      assert.equal(debit.createdAt, iso(now));
      const future = await api.expectNoWrites(() => api.post('/v1/debits', { ...wallet, amount: '1', occurredAt: iso(now + HOUR) }));
      expectError(future, { status: 400, code: 'validation_error', param: 'occurredAt' });
    });

    it('replays for the same idempotency key and request; another request with the key is a 409', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const body = { ...wallet, amount: '4' };
      const first = await api.post('/v1/debits', body, { idempotencyKey: 'debit-1' });
      assert.equal(first.status, 201);
      const replay = await api.expectNoWrites(() => api.post('/v1/debits', body, { idempotencyKey: 'debit-1' }));
      assert.equal(replay.status, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.body, first.body);
      // The key may also come in the body.
      const viaBody = await api.expectNoWrites(() => api.post('/v1/debits', { ...body, idempotencyKey: 'debit-1' }));
      assert.equal(viaBody.headers['idempotent-replayed'], 'true');
      assert.equal(viaBody.body.id, first.body.id);
      assert.equal((await api.balance(wallet)).available, '6', 'debited once');

      const conflict = await api.expectNoWrites(() => api.post('/v1/debits', { ...body, amount: '5' }, { idempotencyKey: 'debit-1' }));
      expectError(conflict, { status: 409, code: 'idempotency_conflict', type: 'idempotency_error', param: 'idempotencyKey' });
      // Debit keys are scoped to the environment, not the wallet.
      const otherWallet = await api.wallet();
      await api.grant({ ...otherWallet, amount: '10' });
      const elsewhere = await api.expectNoWrites(() => api.post('/v1/debits', { ...otherWallet, amount: '4' }, { idempotencyKey: 'debit-1' }));
      expectError(elsewhere, { status: 409, code: 'idempotency_conflict' });
    });

    it('does not remember a failed debit: retrying the key after a top-up succeeds', async () => {
      const wallet = await api.wallet();
      const body = { ...wallet, amount: '4' };
      expectError(await api.post('/v1/debits', body, { idempotencyKey: 'retry-me' }), { status: 402, code: 'insufficient_balance' });
      await api.grant({ ...wallet, amount: '4' });
      const retried = await api.post('/v1/debits', body, { idempotencyKey: 'retry-me' });
      assert.equal(retried.status, 201);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
    });
  });

  describe('POST /v1/debits/batch', () => {
    it('answers 200 with one result per item, in request order, each succeeding or failing alone', async () => {
      const wallet = await api.wallet();
      const other = await api.wallet();
      const grant = await api.grant({ ...wallet, amount: '10' });
      const otherGrant = await api.grant({ ...other, amount: '1' });
      const before = api.tableCounts();
      const response = await api.post('/v1/debits/batch', {
        debits: [
          { ...wallet, amount: '3' },
          { ...wallet, amount: '100' },
          { ...other, amount: '1', feature: 'chat' },
          { ...wallet, amount: '0.001' },
          { ...wallet, customerId: 'cus_missing', amount: '1' },
          { ...wallet, amount: '7' },
        ],
      });
      const batch = expectStatus(response, 200);
      assert.equal(batch.object, 'list');
      assert.equal(batch.hasMore, false);
      assert.deepEqual(
        batch.data.map((item: Json) => item.status),
        ['succeeded', 'failed', 'succeeded', 'failed', 'failed', 'succeeded'],
      );
      const [first, tooMuch, otherItem, tooPrecise, unknown, last] = batch.data;
      assert.equal(first.replayed, false);
      assert.deepEqual(allocationsOf(first.debit), [[grant.id, '3']]);
      assert.deepEqual(allocationsOf(otherItem.debit), [[otherGrant.id, '1']]);
      assert.deepEqual(allocationsOf(last.debit), [[grant.id, '7']]);

      assert.equal(tooMuch.httpStatus, 402);
      assert.equal(tooMuch.error.code, 'insufficient_balance');
      assert.equal(tooMuch.error.param, 'debits.1');
      assert.equal(tooMuch.error.details.available, '7');
      assert.equal(tooPrecise.httpStatus, 400);
      assert.equal(tooPrecise.error.code, 'validation_error');
      assert.equal(tooPrecise.error.param, 'debits.3.amount');
      assert.equal(unknown.httpStatus, 404);
      assert.equal(unknown.error.param, 'debits.4.customerId');
      for (const failed of [tooMuch, tooPrecise, unknown]) {
        assert.equal(failed.error.requestId, response.headers['request-id']);
        assert.equal(typeof failed.error.message, 'string');
      }

      const after = api.tableCounts();
      assert.equal(after.debits! - before.debits!, 3, 'only the three successes are written');
      assert.equal((await api.balance(wallet)).available, '0');
      assert.equal((await api.balance(other)).available, '0');
    });

    it('with a batch idempotency key, replays every item the second time', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const body = { debits: [{ ...wallet, amount: '1' }, { ...wallet, amount: '2' }] };
      const first = expectStatus(await api.post('/v1/debits/batch', body, { idempotencyKey: 'batch-1' }), 200);
      assert.deepEqual(first.data.map((item: Json) => [item.status, item.replayed]), [
        ['succeeded', false],
        ['succeeded', false],
      ]);
      const again = expectStatus(await api.expectNoWrites(() => api.post('/v1/debits/batch', body, { idempotencyKey: 'batch-1' })), 200);
      assert.deepEqual(again.data.map((item: Json) => [item.status, item.replayed]), [
        ['succeeded', true],
        ['succeeded', true],
      ]);
      assert.deepEqual(
        again.data.map((item: Json) => item.debit.id),
        first.data.map((item: Json) => item.debit.id),
      );
      assert.equal((await api.balance(wallet)).available, '7');
    });

    it('with a batch idempotency key and the same body spelled otherwise, replays every item and books nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const first = expectStatus(
        await api.post('/v1/debits/batch', { debits: [{ ...wallet, amount: '1' }, { ...wallet, amount: '2.5' }, { ...wallet, amount: '1000' }] }, { idempotencyKey: 'batch-same' }),
        200,
      );
      assert.deepEqual(first.data.map((item: Json) => item.status), ['succeeded', 'succeeded', 'failed']);
      const sameBody = { debits: [{ amount: '1.0', ...wallet }, { ...wallet, amount: 2.5 }, { ...wallet, amount: '1e3' }], idempotencyKey: 'batch-same' };
      const before = api.tableCounts();
      const again = expectStatus(await api.post('/v1/debits/batch', sameBody), 200);
      assert.deepEqual(again.data.map((item: Json) => [item.status, item.replayed]), [
        ['succeeded', true],
        ['succeeded', true],
        ['failed', undefined],
      ]);
      assert.deepEqual(again.data.slice(0, 2), first.data.slice(0, 2).map((item: Json) => ({ ...item, replayed: true })));
      assert.deepEqual(api.tableCounts(), before, 'a replay books nothing');
      assert.equal((await api.balance(wallet)).available, '6.5');
    });

    it('refuses a batch idempotency key reused with any other body as a whole: the 409 of a reused key, naming it, booking nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '100' });
      const item = (amount: string) => ({ ...wallet, amount });
      const first = expectStatus(await api.post('/v1/debits/batch', { debits: [item('1'), item('2')] }, { idempotencyKey: 'bb1' }), 200);
      assert.deepEqual(first.data.map((result: Json) => result.status), ['succeeded', 'succeeded']);
      const ledger = () => api.get(`/v1/ledger-entries?customerId=${wallet.customerId}&limit=100`);
      const entries = expectStatus(await ledger(), 200).data;
      const others: Array<[string, unknown[]]> = [
        ['an item added', [item('1'), item('2'), item('3')]],
        ['an amount changed', [item('1'), item('5')]],
        ['items reordered', [item('2'), item('1')]],
        ['an item removed', [item('1')]],
        ['an item with a key of its own', [item('1'), { ...item('2'), idempotencyKey: 'own' }]],
      ];
      for (const [change, debits] of others) {
        const response = await api.expectNoWrites(() => api.post('/v1/debits/batch', { debits }, { idempotencyKey: 'bb1' }));
        const error = expectError(response, { status: 409, code: 'idempotency_conflict', type: 'idempotency_error', param: 'idempotencyKey' });
        assert.equal(error.message, "Idempotency key 'bb1' was already used with a different request.", change);
      }
      assert.equal((await api.balance(wallet)).available, '97');
      assert.deepEqual(expectStatus(await ledger(), 200).data, entries);
      // The single-debit route answers a reused key the same way, and a batch may not take a debit's key either.
      const single = expectError(await api.expectNoWrites(() => api.post('/v1/debits', item('1'), { idempotencyKey: 'bb1' })), { status: 409, code: 'idempotency_conflict', param: 'idempotencyKey' });
      expectStatus(await api.post('/v1/debits', item('1'), { idempotencyKey: 'single-1' }), 201);
      const batchOnDebitKey = await api.expectNoWrites(() => api.post('/v1/debits/batch', { debits: [item('1')] }, { idempotencyKey: 'single-1' }));
      const reused = expectError(batchOnDebitKey, { status: 409, code: 'idempotency_conflict', param: 'idempotencyKey' });
      assert.equal(reused.message, single.message.replace('bb1', 'single-1'));
      assert.equal((await api.balance(wallet)).available, '96');
    });

    it('gives back the key of a batch none of whose items booked: the corrected batch may use it', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const refused = expectStatus(await api.post('/v1/debits/batch', { debits: [{ ...wallet, unit: 'no_such_unit', amount: '1' }, { ...wallet, amount: '50' }] }, { idempotencyKey: 'kb' }), 200);
      assert.deepEqual(refused.data.map((result: Json) => result.status), ['failed', 'failed']);
      const corrected = expectStatus(await api.post('/v1/debits/batch', { debits: [{ ...wallet, amount: '1' }] }, { idempotencyKey: 'kb' }), 200);
      assert.deepEqual(corrected.data.map((result: Json) => result.status), ['succeeded']);
      assert.equal((await api.balance(wallet)).available, '9');
      // Once an item booked, the key is the batch's: another body is refused.
      expectError(await api.post('/v1/debits/batch', { debits: [{ ...wallet, amount: '2' }] }, { idempotencyKey: 'kb' }), { status: 409, code: 'idempotency_conflict', param: 'idempotencyKey' });
    });

    it('honours a per-item idempotency key: replayed in a later batch, a conflict with another amount', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const first = expectStatus(await api.post('/v1/debits/batch', { debits: [{ ...wallet, amount: '2', idempotencyKey: 'item-key' }] }), 200);
      assert.equal(first.data[0].replayed, false);
      const later = expectStatus(
        await api.post('/v1/debits/batch', {
          debits: [
            { ...wallet, amount: '1' },
            { ...wallet, amount: '2', idempotencyKey: 'item-key' },
            { ...wallet, amount: '3', idempotencyKey: 'item-key' },
          ],
        }),
        200,
      );
      assert.deepEqual(later.data.map((item: Json) => [item.status, item.replayed]), [
        ['succeeded', false],
        ['succeeded', true],
        ['failed', undefined],
      ]);
      assert.equal(later.data[1].debit.id, first.data[0].debit.id);
      assert.equal(later.data[2].httpStatus, 409);
      assert.equal(later.data[2].error.code, 'idempotency_conflict');
      assert.equal(later.data[2].error.param, 'debits.2.idempotencyKey');
      assert.equal((await api.balance(wallet)).available, '7');
    });

    it('rejects a malformed batch as a whole (400 naming the item field), writing nothing', async () => {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '10' });
      const cases: Array<[unknown, string]> = [
        [{ debits: [] }, 'debits'],
        [{}, 'debits'],
        [{ debits: Array.from({ length: 1001 }, () => ({ ...wallet, amount: '1' })) }, 'debits'],
        [{ debits: [{ ...wallet, amount: '1' }, { ...wallet, amount: '1', colour: 'red' }] }, 'debits.1.colour'],
        [{ debits: [{ ...wallet, amount: '1' }, { ...wallet, amount: true }] }, 'debits.1.amount'],
        [{ debits: [{ ...wallet, amount: '1' }, { ...wallet, amount: '1', occurredAt: '2026-02-30T00:00:00Z' }] }, 'debits.1.occurredAt'],
      ];
      for (const [body, param] of cases) {
        const response = await api.expectNoWrites(() => api.post('/v1/debits/batch', body));
        expectError(response, { status: 400, code: 'validation_error', param });
      }
      assert.equal((await api.balance(wallet)).available, '10');
    });
  });
});

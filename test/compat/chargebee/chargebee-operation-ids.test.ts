import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import { assertShape, chargebeeClient, expectChargebeeError, ledgerOperationShape, nowSeconds, responseShape, startChargebeeServe } from './chargebee-support.ts';

/** Caller-chosen ledger operation ids (`id` on capture, authorize, capture_authorization, release_authorization), through the official client. */
describe('chargebee dialect: caller-chosen operation ids', () => {
  let server: Awaited<ReturnType<typeof startChargebeeServe>>;
  let chargebee: Chargebee;
  const timestamp = nowSeconds();

  const usable = async (subscription: string, unit = 'ai_credits') => {
    const balances = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: subscription }, unit_id: { is: unit } });
    return balances.list[0]!.ledger_account_balance.provisioned_balance;
  };
  const operationIds = async (subscription: string) =>
    (await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: subscription }, limit: 100 })).list.map((item) => item.ledger_operation.id);
  const grant = (subscription: string, unit = 'ai_credits') =>
    chargebee.promotionalGrant.promotionalGrants({ subscription_id: subscription, unit_id: unit, amount: '100', expires_at: nowSeconds() + 3600 });
  /** What a write answers, without what the client adds (headers, the replay flag). */
  const answer = (response: { ledger_operation: unknown; ledger_account_balance: unknown; grant_blocks: unknown; ledger_entries: unknown }) => ({
    ledger_operation: response.ledger_operation,
    ledger_account_balance: response.ledger_account_balance,
    grant_blocks: response.grant_blocks,
    ledger_entries: response.ledger_entries,
  });

  before(async () => {
    server = await startChargebeeServe();
    chargebee = chargebeeClient(server.port, server.key);
    await chargebee.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
    await chargebee.creditUnit.create({ id: 'tokens', name: 'Tokens', is_unlimited: false });
  });

  after(async () => {
    await server?.stop();
  });

  it('a capture takes the caller id; the same request again answers the first result and books nothing; other parameters are a 409', async () => {
    await grant('sub_cap');
    const capture = (overrides: Record<string, unknown> = {}) =>
      chargebee.ledgerOperation.capture({ id: 'usage-2026-01', subscription_id: 'sub_cap', unit_id: 'ai_credits', amount: '7.5', ledger_operation_timestamp: timestamp, ...overrides });

    const first = await capture({ metadata: { run: 'a' } });
    assert.equal(first.ledger_operation.id, 'usage-2026-01');
    assert.equal(first.isIdempotencyReplayed, false);
    assert.deepEqual(first.ledger_entries.map((entry) => entry.ledger_operation_id), ['usage-2026-01']);
    assert.equal(first.ledger_account_balance.provisioned_balance?.usable_balance, '92.5');

    const again = await capture({ metadata: { run: 'a' } });
    assert.deepEqual(answer(again), answer(first));
    assert.equal(again.isIdempotencyReplayed, 'true', 'the answer is the first one, said to be replayed');
    assert.equal((await usable('sub_cap'))?.usable_balance, '92.5', 'booked once');

    for (const other of [{ amount: '8', metadata: { run: 'a' } }, { metadata: { run: 'b' } }, { ledger_operation_timestamp: timestamp - 1, metadata: { run: 'a' } }]) {
      const conflict = await expectChargebeeError(capture(other), { status: 409, apiErrorCode: 'invalid_state_for_request', errorCode: 'state_conflict', param: 'id', message: /already used/ });
      assert.equal(conflict.type, 'operation_failed');
    }
    // Another operation type with the same id on the same subscription and unit is another request too.
    await expectChargebeeError(
      chargebee.ledgerOperation.authorize({ id: 'usage-2026-01', subscription_id: 'sub_cap', unit_id: 'ai_credits', amount: '7.5', ledger_operation_timestamp: timestamp }),
      { status: 409, apiErrorCode: 'invalid_state_for_request', param: 'id' },
    );
    assert.equal((await usable('sub_cap'))?.usable_balance, '92.5');
    assert.deepEqual((await operationIds('sub_cap')).filter((id) => id === 'usage-2026-01'), ['usage-2026-01']);

    const retrieved = await chargebee.ledgerOperation.retrieveLedgerOperation('usage-2026-01');
    assertShape(retrieved, responseShape({ ledger_operation: ledgerOperationShape }));
    assert.deepEqual(retrieved.ledger_operation, first.ledger_operation, 'GET by the caller id answers what GET by id answers');
  });

  it('authorize, capture_authorization and release_authorization take caller ids, and authorization_id may be the caller id', async () => {
    await grant('sub_hold');
    const authorized = await chargebee.ledgerOperation.authorize({ id: 'auth-1', subscription_id: 'sub_hold', unit_id: 'ai_credits', amount: '20', ledger_operation_timestamp: timestamp });
    assert.equal(authorized.ledger_operation.id, 'auth-1');
    const captured = await chargebee.ledgerOperation.captureAuthorization({ id: 'cap-1', authorization_id: 'auth-1', amount: '5', ledger_operation_timestamp: timestamp });
    assert.deepEqual([captured.ledger_operation.id, captured.ledger_operation.parent_ledger_operation_id], ['cap-1', 'auth-1']);
    assert.deepEqual(captured.ledger_entries.map((entry) => entry.ledger_operation_id), ['cap-1', 'cap-1']);
    // The hold is captured: a repeat still answers the first capture instead of "already captured".
    const capturedAgain = await chargebee.ledgerOperation.captureAuthorization({ id: 'cap-1', authorization_id: 'auth-1', amount: '5', ledger_operation_timestamp: timestamp });
    assert.deepEqual(answer(capturedAgain), answer(captured));

    await chargebee.ledgerOperation.authorize({ id: 'auth-2', subscription_id: 'sub_hold', unit_id: 'ai_credits', amount: '10', ledger_operation_timestamp: timestamp });
    const released = await chargebee.ledgerOperation.releaseAuthorization({ id: 'rel-2', authorization_id: 'auth-2', ledger_operation_timestamp: timestamp });
    assert.deepEqual([released.ledger_operation.id, released.ledger_operation.type, released.ledger_operation.parent_ledger_operation_id], ['rel-2', 'release_authorization', 'auth-2']);
    const releasedAgain = await chargebee.ledgerOperation.releaseAuthorization({ id: 'rel-2', authorization_id: 'auth-2', ledger_operation_timestamp: timestamp });
    assert.deepEqual(answer(releasedAgain), answer(released));
    assert.deepEqual(await usable('sub_hold'), { total_balance: '95', usable_balance: '95', hold_amount: '0' });

    // Every operation reads back under the caller's ids, by id and in the list.
    for (const operation of [authorized.ledger_operation, captured.ledger_operation, released.ledger_operation]) {
      assert.deepEqual((await chargebee.ledgerOperation.retrieveLedgerOperation(operation.id)).ledger_operation, operation, operation.id);
    }
    assert.deepEqual((await operationIds('sub_hold')).slice(0, 4), ['rel-2', 'auth-2', 'cap-1', 'auth-1']);
  });

  it('a caller id may be used again on another subscription or unit; GET by it then needs the subscription', async () => {
    await Promise.all([grant('sub_a'), grant('sub_b'), grant('sub_a', 'tokens')]);
    const capture = (subscription: string, unit = 'ai_credits') =>
      chargebee.ledgerOperation.capture({ id: 'shared-id', subscription_id: subscription, unit_id: unit, amount: '1', ledger_operation_timestamp: timestamp });
    const onA = await capture('sub_a');
    assert.deepEqual((await chargebee.ledgerOperation.retrieveLedgerOperation('shared-id')).ledger_operation, onA.ledger_operation);
    const onB = await capture('sub_b');
    const onTokens = await capture('sub_a', 'tokens');
    for (const [response, subscription, unit] of [[onA, 'sub_a', 'ai_credits'], [onB, 'sub_b', 'ai_credits'], [onTokens, 'sub_a', 'tokens']] as const) {
      assert.deepEqual([response.ledger_operation.id, response.ledger_operation.subscription_id, response.ledger_operation.unit_id], ['shared-id', subscription, unit]);
      assert.equal((await usable(subscription, unit))?.usable_balance, '99');
    }
    await expectChargebeeError(chargebee.ledgerOperation.retrieveLedgerOperation('shared-id'), {
      status: 409,
      apiErrorCode: 'invalid_state_for_request',
      param: 'ledger_operation_id',
      message: /more than one/,
    });
    const listed = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_b' }, type: { is: 'capture' } });
    assert.deepEqual(listed.list[0]!.ledger_operation, onB.ledger_operation);
  });

  it('refuses malformed caller ids in Chargebee shape and books nothing', async () => {
    await grant('sub_bad_ids');
    const hold = await chargebee.ledgerOperation.authorize({ subscription_id: 'sub_bad_ids', unit_id: 'ai_credits', amount: '3', ledger_operation_timestamp: timestamp });
    const before = { balance: await usable('sub_bad_ids'), operations: await operationIds('sub_bad_ids') };
    const bad = ['x'.repeat(51), '', 'has space', 'slash/ed', 'ünï', 'dbt_mine', 'hld_mine', 'rel_x', 12, { id: 'x' }];
    for (const id of bad) {
      const expected = { status: 400, apiErrorCode: 'param_wrong_value', param: 'id' };
      const common = { id, ledger_operation_timestamp: timestamp } as never as { id: string; ledger_operation_timestamp: number };
      await expectChargebeeError(chargebee.ledgerOperation.capture({ ...common, subscription_id: 'sub_bad_ids', unit_id: 'ai_credits', amount: '1' }), expected);
      await expectChargebeeError(chargebee.ledgerOperation.authorize({ ...common, subscription_id: 'sub_bad_ids', unit_id: 'ai_credits', amount: '1' }), expected);
      await expectChargebeeError(chargebee.ledgerOperation.captureAuthorization({ ...common, authorization_id: hold.ledger_operation.id, amount: '1' }), expected);
      await expectChargebeeError(chargebee.ledgerOperation.releaseAuthorization({ ...common, authorization_id: hold.ledger_operation.id }), expected);
    }
    assert.deepEqual({ balance: await usable('sub_bad_ids'), operations: await operationIds('sub_bad_ids') }, before);
  });

  it('two identical requests sent at once book once and answer alike', async () => {
    await grant('sub_race');
    const capture = () => chargebee.ledgerOperation.capture({ id: 'race-1', subscription_id: 'sub_race', unit_id: 'ai_credits', amount: '4', ledger_operation_timestamp: timestamp });
    const authorize = () => chargebee.ledgerOperation.authorize({ id: 'race-2', subscription_id: 'sub_race', unit_id: 'ai_credits', amount: '6', ledger_operation_timestamp: timestamp });
    const captures = await Promise.all([capture(), capture(), capture()]);
    const holds = await Promise.all([authorize(), authorize()]);
    for (const group of [captures, holds]) {
      assert.deepEqual(new Set(group.map((response) => JSON.stringify(answer(response)))).size, 1, 'every sender gets the one answer');
      assert.deepEqual(group.map((response) => response.isIdempotencyReplayed).sort(), [false, ...group.slice(1).map(() => 'true')]);
    }
    assert.deepEqual(await usable('sub_race'), { total_balance: '96', usable_balance: '90', hold_amount: '6' });
    assert.deepEqual((await operationIds('sub_race')).filter((id) => id.startsWith('race-')), ['race-2', 'race-1']);
  });
});

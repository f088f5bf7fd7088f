import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import { assertEach, chargebeeClient, expectChargebeeError, ledgerOperationShape, startChargebeeServe } from './chargebee-support.ts';

const HOUR = 3600;

/**
 * The overdraft account (a wallet's overdraft limit, set natively) and what
 * the clock does (expiry, holds released on their own), seen through Chargebee.
 * Every operation read back by list or retrieve equals what its write answered.
 */
describe('chargebee dialect: overdraft and time', () => {
  let server: Awaited<ReturnType<typeof startChargebeeServe>>;
  let chargebee: Chargebee;
  // A frozen test clock, on a whole second in the future.
  const t0 = Math.ceil(Date.now() / 1000 / HOUR) * HOUR + 24 * HOUR;
  const advanceTo = async (seconds: number) => {
    const moved = await server.native('POST', '/v1/test-clock/advance', { to: new Date(seconds * 1000).toISOString() });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  };
  const operationsOf = async (subscription: string, order: 'asc' | 'desc') => {
    const operations = [];
    let offset: string | undefined;
    do {
      const page = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: subscription }, limit: 2, [`sort_by[${order}]`]: 'created_at', ...(offset ? { offset } : {}) } as never);
      assertEach(page.list.map((item) => item.ledger_operation), ledgerOperationShape, 'list');
      operations.push(...page.list.map((item) => item.ledger_operation));
      offset = page.next_offset;
    } while (offset);
    return operations;
  };

  before(async () => {
    server = await startChargebeeServe();
    chargebee = chargebeeClient(server.port, server.key);
    await advanceTo(t0);
    await chargebee.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
  });

  after(async () => {
    await server?.stop();
  });

  it('captures draw on the overdraft account after provisioned credit, and a later allocation repays it', async () => {
    const granted = await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_od', unit_id: 'ai_credits', amount: '20', expires_at: t0 + 10 * HOUR });
    const limit = await server.native('POST', '/v1/wallets', { customerId: 'sub_od', unit: 'ai_credits', walletKey: 'subscription:sub_od', overdraftLimit: '50' });
    assert.ok(limit.status < 300, JSON.stringify(limit.body));

    const overdrawn = await chargebee.ledgerOperation.capture({ subscription_id: 'sub_od', unit_id: 'ai_credits', amount: '45', ledger_operation_timestamp: t0 });
    const operation = overdrawn.ledger_operation;
    assert.deepEqual(
      [operation.provisioned_start_balance, operation.provisioned_end_balance, operation.overdraft_start_balance, operation.overdraft_end_balance],
      ['20', '0', '0', '25'],
    );
    assert.deepEqual(overdrawn.ledger_account_balance.overdraft_balance, {
      is_unlimited: false,
      limit: '50',
      total_balance: '50',
      usable_balance: '25',
      used_amount: '25',
      hold_amount: '0',
    });
    assert.deepEqual(
      overdrawn.ledger_entries.map((entry) => [entry.account_type, entry.type, entry.amount, entry.account_start_balance, entry.account_end_balance]),
      [
        ['provisioned', 'debit', '20', '20', '0'],
        ['overdraft', 'debit', '25', '0', '25'],
      ],
    );
    await expectChargebeeError(chargebee.ledgerOperation.capture({ subscription_id: 'sub_od', unit_id: 'ai_credits', amount: '25.5', ledger_operation_timestamp: t0 }), {
      status: 400,
      apiErrorCode: 'invalid_state_for_request',
      errorCode: 'insufficient_balance',
      message: /25 of overdraft room/,
    });

    const repaid = await chargebee.ledgerOperation.allocate({ subscription_id: 'sub_od', unit_id: 'ai_credits', amount: '40', expires_at: t0 + 10 * HOUR });
    const allocation = repaid.ledger_operations[0]!;
    assert.deepEqual(
      [allocation.amount, allocation.provisioned_start_balance, allocation.provisioned_end_balance, allocation.overdraft_start_balance, allocation.overdraft_end_balance],
      ['40', '0', '15', '25', '0'],
    );
    assert.deepEqual([repaid.grant_blocks[0]!.balance, repaid.grant_blocks[0]!.used_amount], ['15', '25']);
    assert.equal(repaid.ledger_account_balance.overdraft_balance?.used_amount, '0');

    const written = [granted.ledger_operations[0]!, operation, allocation];
    assert.deepEqual(await operationsOf('sub_od', 'asc'), written);
    assert.deepEqual(await operationsOf('sub_od', 'desc'), [...written].reverse());
    for (const item of written) assert.deepEqual((await chargebee.ledgerOperation.retrieveLedgerOperation(item.id)).ledger_operation, item);
  });

  it('a hold on a grant that expires keeps its part (in_grace_period) and can still be captured; the rest expires on time', async () => {
    await advanceTo(t0 + HOUR);
    const now = t0 + HOUR;
    const granted = await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_time', unit_id: 'ai_credits', amount: '100', expires_at: now + HOUR });
    const block = granted.grant_blocks[0]!;
    const held = await chargebee.ledgerOperation.authorize({
      subscription_id: 'sub_time',
      unit_id: 'ai_credits',
      amount: '30',
      ledger_operation_timestamp: now,
      auto_release_timestamp: now + 2 * HOUR,
    });
    const forgotten = await chargebee.ledgerOperation.authorize({
      subscription_id: 'sub_time',
      unit_id: 'ai_credits',
      amount: '10',
      ledger_operation_timestamp: now,
      auto_release_timestamp: now + HOUR / 2,
    });

    await advanceTo(now + HOUR + HOUR / 2);
    const [expired] = (await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_time' } })).list.map((item) => item.grant_block);
    assert.deepEqual(
      [expired!.id, expired!.status, expired!.balance, expired!.hold_amount, expired!.expired_amount],
      [block.id, 'in_grace_period', '0', '30', '70'],
    );
    const operations = await operationsOf('sub_time', 'asc');
    assert.deepEqual(
      operations.map((operation) => [operation.type, operation.amount, operation.ledger_operation_timestamp, operation.provisioned_end_balance]),
      [
        ['allocation', '100', now, '100'],
        ['authorize', '30', now, '70'],
        ['authorize', '10', now, '60'],
        ['release_authorization', '10', now + HOUR / 2, '70'],
        ['expiry', '70', now + HOUR, '0'],
      ],
    );
    assert.equal(operations[3]!.id, `rel_${forgotten.ledger_operation.id}`);
    assert.equal(operations[4]!.parent_ledger_operation_id, block.id);
    for (const operation of operations) assert.deepEqual((await chargebee.ledgerOperation.retrieveLedgerOperation(operation.id)).ledger_operation, operation);

    const captured = await chargebee.ledgerOperation.captureAuthorization({ authorization_id: held.ledger_operation.id, amount: '30', ledger_operation_timestamp: now + HOUR });
    assert.deepEqual([captured.grant_blocks[0]!.status, captured.grant_blocks[0]!.used_amount, captured.grant_blocks[0]!.hold_amount], ['exhausted', '30', '0']);
    const [balance] = (await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_time' } })).list;
    assert.deepEqual(balance!.ledger_account_balance.provisioned_balance, { total_balance: '0', usable_balance: '0', hold_amount: '0' });
    // created_at is when an operation was booked: the clock's own operations were booked when it moved.
    const bookedLater = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_time' }, created_at: { on: now + HOUR + HOUR / 2 } });
    assert.deepEqual(
      bookedLater.list.map((item) => item.ledger_operation.type),
      ['capture_authorization', 'expiry', 'release_authorization'],
    );
    const bookedFirst = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_time' }, created_at: { before: now + 1 } });
    assert.deepEqual(
      bookedFirst.list.map((item) => item.ledger_operation.type),
      ['authorize', 'authorize', 'allocation'],
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import {
  assertEach,
  assertShape,
  chargebeeClient,
  creditUnitShape,
  grantBlockShape,
  ledgerAccountBalanceShape,
  ledgerEntryShape,
  ledgerOperationShape,
  nowSeconds,
  responseShape,
  startChargebeeServe,
} from './chargebee-support.ts';

/**
 * The official `chargebee` client against the real `serve` command: every
 * method of the credit surface, paging, and the same grants seen through the
 * native API.
 */
describe('chargebee dialect: the official client against serve', () => {
  let server: Awaited<ReturnType<typeof startChargebeeServe>>;
  let chargebee: Chargebee;
  const inAnHour = () => nowSeconds() + 3600;

  before(async () => {
    server = await startChargebeeServe();
    chargebee = chargebeeClient(server.port, server.key);
    await chargebee.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
  });

  after(async () => {
    await server?.stop();
  });

  it('creates credit units from form bodies and lists them with next_offset paging', async () => {
    const created = await chargebee.creditUnit.create({ id: 'tokens', name: 'Tokens', is_unlimited: false, external_name: 'Tokens' });
    assertShape(created, responseShape({ credit_unit: creditUnitShape }));
    assert.deepEqual([created.credit_unit.id, created.credit_unit.name, created.credit_unit.is_unlimited], ['tokens', 'Tokens', false]);
    // Creating it again is a safe retry: the same unit comes back.
    const again = await chargebee.creditUnit.create({ id: 'tokens', name: 'Tokens', is_unlimited: false });
    assert.equal(again.credit_unit.created_at, created.credit_unit.created_at);

    const first = await chargebee.creditUnit.list({ limit: 1 });
    assertShape(first, responseShape({ list: 'object', next_offset: '?string' }));
    assert.equal(first.list.length, 1);
    assert.ok(first.next_offset, 'two units, one per page: there is a next page');
    const second = await chargebee.creditUnit.list({ limit: 1, offset: first.next_offset });
    assert.equal(second.next_offset, undefined);
    assert.deepEqual([...first.list, ...second.list].map((item) => item.credit_unit.id), ['ai_credits', 'tokens']);
    const filtered = await chargebee.creditUnit.list({ id: { is: 'tokens' } });
    assert.deepEqual(filtered.list.map((item) => item.credit_unit.id), ['tokens']);
    // The native API sees the same unit, with Chargebee's 10 decimal places.
    const units = await server.native('GET', '/v1/units');
    assert.equal(units.body.data.find((unit: { code: string }) => unit.code === 'tokens')?.scale, 10);
  });

  it('promotional grants: the seed document example returns ledger_operations and grant_blocks as documented', async () => {
    const expiresAt = inAnHour();
    const metadata = { campaign: 'spring', reasons: ['outage', 42], nested: { ok: true } };
    const result = await chargebee.promotionalGrant.promotionalGrants({
      subscription_id: 'sub_seed',
      unit_id: 'ai_credits',
      // The documented maximum: 25 digits before the point, 10 after.
      amount: '9999999999999999999999999.9999999999',
      expires_at: expiresAt,
      metadata,
    });
    assertShape(result, responseShape({ ledger_operations: 'object', grant_blocks: 'object' }));
    assertEach(result.ledger_operations, ledgerOperationShape, 'ledger_operations');
    assertEach(result.grant_blocks, grantBlockShape, 'grant_blocks');
    const [operation] = result.ledger_operations;
    const [block] = result.grant_blocks;
    assert.equal(result.ledger_operations.length, 1);
    assert.equal(result.grant_blocks.length, 1);
    assert.deepEqual(
      [operation!.type, operation!.amount, operation!.subscription_id, operation!.unit_id, operation!.provisioned_start_balance, operation!.provisioned_end_balance],
      ['allocation', '9999999999999999999999999.9999999999', 'sub_seed', 'ai_credits', '0', '9999999999999999999999999.9999999999'],
    );
    assert.deepEqual(
      [block!.granted_amount, block!.balance, block!.used_amount, block!.hold_amount, block!.expired_amount, block!.voided_amount, block!.rolled_over_amount],
      ['9999999999999999999999999.9999999999', '9999999999999999999999999.9999999999', '0', '0', '0', '0', '0'],
    );
    assert.deepEqual([block!.expires_at, block!.status, block!.grant_source, block!.account_type], [expiresAt, 'available', 'promotional_grants', 'provisioned']);
    // "Stored as-is and returned verbatim."
    assert.deepEqual(block!.metadata, metadata);
    assert.deepEqual(operation!.metadata, metadata);
    const listed = await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_seed' } });
    assert.deepEqual(listed.list[0]!.grant_block.metadata, metadata);
  });

  it('lists grant blocks with filters and follows next_offset, newest or oldest first', async () => {
    const created: string[] = [];
    const base = inAnHour();
    for (const [index, unit] of ['ai_credits', 'ai_credits', 'tokens', 'ai_credits', 'ai_credits'].entries()) {
      const result = await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_paging', unit_id: unit, amount: `${index + 1}`, expires_at: base + index * 10 });
      created.push(result.grant_blocks[0]!.id);
    }
    const collect = async (input: Record<string, unknown>) => {
      const ids: string[] = [];
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_paging' }, limit: 2, ...input, ...(offset ? { offset } : {}) } as never);
        assertEach(page.list.map((item) => item.grant_block), grantBlockShape, 'list');
        ids.push(...page.list.map((item) => item.grant_block.id));
        offset = page.next_offset;
        pages += 1;
      } while (offset);
      return { ids, pages };
    };
    const newestFirst = await collect({});
    assert.deepEqual(newestFirst.ids, [...created].reverse());
    assert.equal(newestFirst.pages, 3);
    assert.deepEqual((await collect({ 'sort_by[asc]': 'created_at' })).ids, created);
    assert.deepEqual((await collect({ unit_id: { is: 'tokens' } })).ids, [created[2]]);
    assert.deepEqual((await collect({ expires_at: { after: base + 25 } })).ids, [created[4], created[3]]);
    assert.deepEqual((await collect({ expires_at: { between: [base + 10, base + 20] } })).ids, [created[2], created[1]]);
    assert.deepEqual((await collect({ account_type: { is: 'overdraft' } })).ids, []);
    assert.deepEqual((await collect({ created_at: { before: nowSeconds() - 3600 } })).ids, []);
    assert.deepEqual((await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_nobody' } })).list, []);
  });

  it('authorize, capture part of it (the rest is released), authorize and release, capture and allocate', async () => {
    const subscription = 'sub_ledger';
    const timestamp = nowSeconds();
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: subscription, unit_id: 'ai_credits', amount: '100', expires_at: inAnHour() });
    const operationResponse = responseShape({ ledger_operation: ledgerOperationShape, ledger_account_balance: ledgerAccountBalanceShape, grant_blocks: 'object', ledger_entries: 'object' });

    const authorized = await chargebee.ledgerOperation.authorize({
      subscription_id: subscription,
      unit_id: 'ai_credits',
      amount: '30.25',
      ledger_operation_timestamp: timestamp,
      auto_release_timestamp: timestamp + 600,
      metadata: { request: 'r1' },
    });
    assertShape(authorized, operationResponse);
    assertEach(authorized.ledger_entries, ledgerEntryShape, 'ledger_entries');
    assertEach(authorized.grant_blocks, grantBlockShape, 'grant_blocks');
    assert.deepEqual(
      [authorized.ledger_operation.type, authorized.ledger_operation.amount, authorized.ledger_operation.auto_release_timestamp],
      ['authorize', '30.25', timestamp + 600],
    );
    assert.deepEqual(authorized.ledger_account_balance.provisioned_balance, { total_balance: '100', usable_balance: '69.75', hold_amount: '30.25' });
    assert.deepEqual([authorized.grant_blocks[0]!.balance, authorized.grant_blocks[0]!.hold_amount], ['69.75', '30.25']);
    assert.deepEqual(authorized.ledger_entries.map((entry) => [entry.type, entry.amount]), [['hold', '30.25']]);

    const captured = await chargebee.ledgerOperation.captureAuthorization({
      authorization_id: authorized.ledger_operation.id,
      amount: '10.25',
      ledger_operation_timestamp: timestamp,
    });
    assertShape(captured, operationResponse);
    assert.deepEqual(
      [captured.ledger_operation.type, captured.ledger_operation.amount, captured.ledger_operation.parent_ledger_operation_id],
      ['capture_authorization', '10.25', authorized.ledger_operation.id],
    );
    assert.deepEqual(captured.ledger_account_balance.provisioned_balance, { total_balance: '89.75', usable_balance: '89.75', hold_amount: '0' });
    assert.deepEqual(captured.ledger_entries.map((entry) => [entry.type, entry.amount]), [['debit', '10.25'], ['unhold', '20']]);
    assert.deepEqual([captured.grant_blocks[0]!.used_amount, captured.grant_blocks[0]!.hold_amount], ['10.25', '0']);

    const second = await chargebee.ledgerOperation.authorize({ subscription_id: subscription, unit_id: 'ai_credits', amount: '5', ledger_operation_timestamp: timestamp });
    const released = await chargebee.ledgerOperation.releaseAuthorization({ authorization_id: second.ledger_operation.id, ledger_operation_timestamp: timestamp });
    assertShape(released, operationResponse);
    assert.deepEqual(
      [released.ledger_operation.type, released.ledger_operation.amount, released.ledger_operation.parent_ledger_operation_id],
      ['release_authorization', '5', second.ledger_operation.id],
    );
    assert.equal(released.ledger_account_balance.provisioned_balance?.usable_balance, '89.75');

    const capture = await chargebee.ledgerOperation.capture({
      subscription_id: subscription,
      unit_id: 'ai_credits',
      amount: '0.0000000001',
      ledger_operation_timestamp: timestamp - 60,
      metadata: { feature: 'image' },
    });
    assertShape(capture, operationResponse);
    assert.deepEqual(
      [capture.ledger_operation.type, capture.ledger_operation.amount, capture.ledger_operation.ledger_operation_timestamp, capture.ledger_operation.provisioned_end_balance],
      ['capture', '0.0000000001', timestamp - 60, '89.7499999999'],
    );
    assert.deepEqual(capture.ledger_operation.metadata, { feature: 'image' });

    const allocated = await chargebee.ledgerOperation.allocate({ subscription_id: subscription, unit_id: 'ai_credits', amount: '50', expires_at: inAnHour() });
    assertShape(allocated, responseShape({ ledger_account_balance: ledgerAccountBalanceShape, ledger_operations: 'object', grant_blocks: 'object', ledger_entries: 'object' }));
    assert.deepEqual(
      [allocated.ledger_operations[0]!.type, allocated.ledger_operations[0]!.amount, allocated.grant_blocks[0]!.grant_source],
      ['allocation', '50', 'top_up'],
    );
    assert.equal(allocated.ledger_account_balance.provisioned_balance?.usable_balance, '139.7499999999');

    // Each operation reads back the same, by id and in the list.
    const written = [authorized.ledger_operation, captured.ledger_operation, second.ledger_operation, released.ledger_operation, capture.ledger_operation, allocated.ledger_operations[0]!];
    for (const operation of written) {
      const retrieved = await chargebee.ledgerOperation.retrieveLedgerOperation(operation.id);
      assertShape(retrieved, responseShape({ ledger_operation: ledgerOperationShape }));
      assert.deepEqual(retrieved.ledger_operation, operation, `retrieve ${operation.type}`);
    }
    const listed = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: subscription }, limit: 100 });
    assert.deepEqual(
      listed.list.map((item) => item.ledger_operation),
      [...written].reverse().concat(listed.list.slice(-1).map((item) => item.ledger_operation)),
    );
    assert.deepEqual(listed.list.at(-1)!.ledger_operation.type, 'allocation');
  });

  it('lists ledger operations by type, oldest first, one per page', async () => {
    const subscription = 'sub_ops';
    const timestamp = nowSeconds();
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: subscription, unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() });
    for (const amount of ['1', '2', '3']) {
      await chargebee.ledgerOperation.capture({ subscription_id: subscription, unit_id: 'ai_credits', amount, ledger_operation_timestamp: timestamp });
    }
    await chargebee.ledgerOperation.authorize({ subscription_id: subscription, unit_id: 'ai_credits', amount: '1', ledger_operation_timestamp: timestamp });
    const types: string[] = [];
    const amounts: string[] = [];
    let offset: string | undefined;
    do {
      const page = await chargebee.ledgerOperation.listLedgerOperations({
        subscription_id: { is: subscription },
        type: { in: ['allocation', 'capture'] },
        'sort_by[asc]': 'created_at',
        limit: 1,
        ...(offset ? { offset } : {}),
      } as never);
      assert.ok(page.list.length <= 1);
      for (const item of page.list) {
        assertShape(item.ledger_operation, ledgerOperationShape, 'ledger_operation');
        types.push(item.ledger_operation.type);
        amounts.push(item.ledger_operation.amount);
      }
      offset = page.next_offset;
    } while (offset);
    assert.deepEqual(types, ['allocation', 'capture', 'capture', 'capture']);
    assert.deepEqual(amounts, ['10', '1', '2', '3']);
    const authorizations = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: subscription }, type: { is: 'authorize' } } as never);
    assert.deepEqual(authorizations.list.map((item) => item.ledger_operation.provisioned_end_balance), ['3']);
  });

  it('ledger account balances: one per credit unit of the subscription', async () => {
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_balances', unit_id: 'ai_credits', amount: '7.5', expires_at: inAnHour() });
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_balances', unit_id: 'tokens', amount: '3', expires_at: inAnHour() });
    const balances = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_balances' } });
    assertEach(balances.list.map((item) => item.ledger_account_balance), ledgerAccountBalanceShape, 'list');
    assert.deepEqual(
      balances.list.map((item) => [item.ledger_account_balance.unit_id, item.ledger_account_balance.provisioned_balance?.usable_balance]).sort(),
      [
        ['ai_credits', '7.5'],
        ['tokens', '3'],
      ],
    );
    const paged = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_balances' }, limit: 1 });
    assert.ok(paged.next_offset);
    const rest = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_balances' }, limit: 1, offset: paged.next_offset });
    assert.equal(rest.next_offset, undefined);
    assert.notEqual(rest.list[0]!.ledger_account_balance.unit_id, paged.list[0]!.ledger_account_balance.unit_id);
    const oneUnit = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_balances' }, unit_id: { is: 'tokens' } });
    assert.deepEqual(oneUnit.list.map((item) => item.ledger_account_balance.unit_id), ['tokens']);
  });
});

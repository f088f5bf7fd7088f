import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import { chargebeeClient, nowSeconds, startChargebeeServe } from './chargebee-support.ts';

/**
 * One engine: what Chargebee writes is what the native API reads, and the
 * other way round, on the same wallet (customer, unit, `subscription:<id>`).
 */
describe('chargebee dialect: one engine with the native API', () => {
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

  it('one engine: a Chargebee grant is the native grant, and a native debit shows in grant_blocks and ledger_operations', async () => {
    const granted = await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_engine', unit_id: 'ai_credits', amount: '42.125', expires_at: inAnHour() });
    const block = granted.grant_blocks[0]!;
    // The subscription's customer was created on first use, with the subscription's id.
    const customer = await server.native('GET', '/v1/customers/sub_engine');
    assert.equal(customer.status, 200);
    // Its creation is audited naming the customer, in the same request as the grant.
    const auditOf = async (objectId: string) => (await server.native('GET', `/v1/audit-log?objectId=${objectId}`)).body.data as Array<Record<string, unknown>>;
    const customerRows = await auditOf('sub_engine');
    assert.equal(customerRows.length, 1, 'one audit row names the created customer');
    assert.equal(customerRows[0]!.requestId, (await auditOf(block.id))[0]?.requestId);
    const grants = await server.native('GET', '/v1/grants?customerId=sub_engine&walletKey=subscription:sub_engine');
    assert.equal(grants.status, 200, JSON.stringify(grants.body));
    assert.deepEqual(
      grants.body.data.map((grant: Record<string, unknown>) => [grant.id, grant.amount, grant.available, grant.unit, grant.category, grant.expiresAt]),
      [[block.id, '42.125', '42.125', 'ai_credits', 'promotional', new Date(block.expires_at * 1000).toISOString()]],
    );
    const wallet = 'customerId=sub_engine&unit=ai_credits&walletKey=subscription:sub_engine';
    const debit = await server.native('POST', '/v1/debits', { customerId: 'sub_engine', unit: 'ai_credits', walletKey: 'subscription:sub_engine', amount: '2.125' });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    const balance = await server.native('GET', `/v1/balances?${wallet}`);
    assert.equal(balance.body.available, '40');

    const blocks = await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_engine' } });
    assert.deepEqual([blocks.list[0]!.grant_block.used_amount, blocks.list[0]!.grant_block.balance], ['2.125', '40']);
    const operations = await chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_engine' } });
    assert.deepEqual(
      operations.list.map((item) => [item.ledger_operation.id, item.ledger_operation.type, item.ledger_operation.amount]),
      [
        [debit.body.id, 'capture', '2.125'],
        [block.id, 'allocation', '42.125'],
      ],
    );
    const balances = await chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_engine' } });
    assert.equal(balances.list[0]!.ledger_account_balance.provisioned_balance?.usable_balance, balance.body.available);
  });

  it('names a customer of its own with customer_id, and the subscription stays with it', async () => {
    const named = await chargebee.promotionalGrant.promotionalGrants({
      subscription_id: 'sub_named',
      unit_id: 'ai_credits',
      amount: '5',
      expires_at: inAnHour(),
      customer_id: 'acme',
    } as never);
    assert.equal(named.grant_blocks[0]!.subscription_id, 'sub_named');
    const grants = await server.native('GET', '/v1/grants?customerId=acme');
    assert.deepEqual(grants.body.data.map((grant: { id: string }) => grant.id), [named.grant_blocks[0]!.id]);
    // Later calls need not name it: the subscription's wallets say whose it is.
    const capture = await chargebee.ledgerOperation.capture({ subscription_id: 'sub_named', unit_id: 'ai_credits', amount: '1', ledger_operation_timestamp: nowSeconds() });
    assert.equal(capture.ledger_operation.provisioned_end_balance, '4');
    assert.equal((await server.native('GET', '/v1/customers/sub_named')).status, 404);
  });

  it('a native hold is a Chargebee authorization: captured through Chargebee, captured natively', async () => {
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_hold', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() });
    const hold = await server.native('POST', '/v1/holds', { customerId: 'sub_hold', unit: 'ai_credits', walletKey: 'subscription:sub_hold', amount: '6', ttlSeconds: 600 });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const authorization = await chargebee.ledgerOperation.retrieveLedgerOperation(hold.body.id);
    assert.deepEqual([authorization.ledger_operation.type, authorization.ledger_operation.amount], ['authorize', '6']);
    const captured = await chargebee.ledgerOperation.captureAuthorization({ authorization_id: hold.body.id, amount: '2.5', ledger_operation_timestamp: nowSeconds() });
    assert.equal(captured.ledger_account_balance.provisioned_balance?.usable_balance, '7.5');
    const native = await server.native('GET', `/v1/holds/${hold.body.id}`);
    assert.deepEqual([native.body.status, native.body.capturedAmount, native.body.debitId], ['captured', '2.5', captured.ledger_operation.id]);
  });
});

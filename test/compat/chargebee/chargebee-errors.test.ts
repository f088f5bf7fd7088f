import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import { runCli } from '../../support/serve-process.ts';
import { assertShape, chargebeeClient, errorShape, expectChargebeeError, nowSeconds, startChargebeeServe } from './chargebee-support.ts';

/** Bad input, auth and other environments: Chargebee's error shape and status, and nothing written. */
describe('chargebee dialect: errors, auth and environments', () => {
  let server: Awaited<ReturnType<typeof startChargebeeServe>>;
  let chargebee: Chargebee;
  const inAnHour = () => nowSeconds() + 3600;
  let dialectUrl: string;

  /** Everything Chargebee can see of a subscription: blocks, operations, balances; and whether its default customer exists. */
  const footprint = async (subscription: string) => {
    const [blocks, operations, balances, customer] = await Promise.all([
      chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: subscription }, limit: 100 }),
      chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: subscription }, limit: 100 }),
      chargebee.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: subscription } }),
      server.native('GET', `/v1/customers/${subscription}`),
    ]);
    return {
      blocks: blocks.list.map((item) => [item.grant_block.id, item.grant_block.balance, item.grant_block.hold_amount]),
      operations: operations.list.map((item) => item.ledger_operation.id),
      balances: balances.list.map((item) => item.ledger_account_balance.provisioned_balance),
      customer: customer.status,
    };
  };

  before(async () => {
    server = await startChargebeeServe();
    dialectUrl = server.served.dialectUrls.chargebee!;
    chargebee = chargebeeClient(server.port, server.key);
    await chargebee.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
    assert.equal((await server.native('POST', '/v1/units', { code: 'cents', scale: 2 })).status, 201);
  });

  after(async () => {
    await server?.stop();
  });

  it('refuses bad grants in Chargebee shape and writes nothing, not even the customer', async () => {
    const grant = (overrides: Record<string, unknown>) =>
      chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_bad', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour(), ...overrides } as never);
    const before = await footprint('sub_bad');
    assert.deepEqual(before, { blocks: [], operations: [], balances: [], customer: 404 });

    await expectChargebeeError(grant({ amount: '1.12345678901' }), { status: 400, apiErrorCode: 'param_wrong_value', param: 'amount', message: /decimal places/ });
    await expectChargebeeError(grant({ amount: '12345678901234567890123456' }), { status: 400, apiErrorCode: 'param_wrong_value', param: 'amount', message: /25 digits/ });
    await expectChargebeeError(grant({ amount: 10 }), { status: 400, apiErrorCode: 'param_wrong_value', param: 'amount', message: /decimal string/ });
    await expectChargebeeError(grant({ amount: '-5' }), { status: 400, param: 'amount', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ amount: '0' }), { status: 400, param: 'amount', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ amount: '1e3' }), { status: 400, param: 'amount', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ expires_at: nowSeconds() - 10 }), { status: 400, param: 'expires_at', apiErrorCode: 'param_wrong_value', message: /future/ });
    await expectChargebeeError(grant({ expires_at: 'tomorrow' }), { status: 400, param: 'expires_at', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ subscription_id: undefined }), { status: 400, param: 'subscription_id', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ subscription_id: 'x'.repeat(51) }), { status: 400, param: 'subscription_id', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(grant({ unit_id: 'gold' }), { status: 404, param: 'unit_id', apiErrorCode: 'resource_not_found' });
    await expectChargebeeError(grant({ colour: 'blue' }), { status: 400, param: 'colour', apiErrorCode: 'param_wrong_value', message: /Unknown parameter/ });
    await expectChargebeeError(grant({ metadata: 'plain text' }), { status: 400, param: 'metadata', apiErrorCode: 'param_wrong_value' });
    // A credit unit with 2 decimal places keeps them.
    await expectChargebeeError(grant({ unit_id: 'cents', amount: '1.001' }), { status: 400, param: 'amount', message: /unit allows \(2\)/, apiErrorCode: 'param_wrong_value' });

    assert.deepEqual(await footprint('sub_bad'), before);
  });

  it('refuses bad consumption in Chargebee shape and leaves the balance as it was', async () => {
    const timestamp = nowSeconds();
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() });
    const hold = await chargebee.ledgerOperation.authorize({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '4', ledger_operation_timestamp: timestamp });
    const before = await footprint('sub_spend');
    const capture = (overrides: Record<string, unknown>) =>
      chargebee.ledgerOperation.capture({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '1', ledger_operation_timestamp: timestamp, ...overrides } as never);

    const insufficient = await expectChargebeeError(capture({ amount: '6.5' }), {
      status: 400,
      apiErrorCode: 'invalid_state_for_request',
      errorCode: 'insufficient_balance',
      message: /6\.5 requested, 6 available/,
    });
    assert.equal(insufficient.type, 'operation_failed');
    await expectChargebeeError(capture({ ledger_operation_timestamp: timestamp + 3600 }), { status: 400, param: 'ledger_operation_timestamp', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(capture({ ledger_operation_timestamp: undefined }), { status: 400, param: 'ledger_operation_timestamp', apiErrorCode: 'param_wrong_value' });
    // A caller's operation id is accepted (chargebee-operation-ids.test.ts); a malformed one is refused before anything is booked.
    await expectChargebeeError(capture({ id: 'my op' }), { status: 400, param: 'id', apiErrorCode: 'param_wrong_value', errorCode: 'validation_error' });
    await expectChargebeeError(capture({ id: 'x'.repeat(51) }), { status: 400, param: 'id', apiErrorCode: 'param_wrong_value', errorCode: 'validation_error' });
    await expectChargebeeError(capture({ subscription_id: 'sub_unknown' }), { status: 404, param: 'subscription_id', apiErrorCode: 'resource_not_found' });
    await expectChargebeeError(
      chargebee.ledgerOperation.authorize({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '1', ledger_operation_timestamp: timestamp, auto_release_timestamp: timestamp - 5 }),
      { status: 400, param: 'auto_release_timestamp', apiErrorCode: 'param_wrong_value' },
    );
    await expectChargebeeError(chargebee.ledgerOperation.captureAuthorization({ authorization_id: 'hld_nothing', amount: '1', ledger_operation_timestamp: timestamp }), {
      status: 404,
      param: 'authorization_id',
      apiErrorCode: 'resource_not_found',
    });
    await expectChargebeeError(chargebee.ledgerOperation.captureAuthorization({ authorization_id: hold.ledger_operation.id, amount: '4.5', ledger_operation_timestamp: timestamp }), {
      status: 400,
      param: 'amount',
      apiErrorCode: 'param_wrong_value',
    });
    assert.deepEqual(await footprint('sub_spend'), before);
    assert.equal((await server.native('GET', '/v1/customers/sub_unknown')).status, 404);

    await chargebee.ledgerOperation.releaseAuthorization({ authorization_id: hold.ledger_operation.id, ledger_operation_timestamp: timestamp });
    await expectChargebeeError(chargebee.ledgerOperation.releaseAuthorization({ authorization_id: hold.ledger_operation.id, ledger_operation_timestamp: timestamp }), {
      status: 409,
      apiErrorCode: 'invalid_state_for_request',
      errorCode: 'state_conflict',
      message: /released/,
    });
  });

  it('refuses bad list queries, credit units and ids in Chargebee shape', async () => {
    await expectChargebeeError(chargebee.grantBlock.listGrantBlocks({} as never), { status: 400, param: 'subscription_id[is]', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(chargebee.grantBlock.listGrantBlocks({ subscription_id: { starts_with: 'sub' } } as never), {
      status: 400,
      param: 'subscription_id[starts_with]',
      apiErrorCode: 'param_wrong_value',
    });
    await expectChargebeeError(chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_spend' }, 'sort_by[desc]': 'expires_at' }), {
      status: 400,
      param: 'sort_by[desc]',
      apiErrorCode: 'param_wrong_value',
    });
    await expectChargebeeError(chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_spend' }, offset: 'not-an-offset' }), { status: 400, param: 'offset', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_spend' }, type: { in: ['refund'] } } as never), {
      status: 400,
      param: 'type',
      apiErrorCode: 'param_wrong_value',
    });
    await expectChargebeeError(chargebee.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_spend' }, limit: 0 }), { status: 400, param: 'limit', apiErrorCode: 'param_wrong_value' });
    // An offset belongs to its list.
    const page = await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_spend' }, limit: 1 });
    assert.equal(page.list.length, 1);
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '1', expires_at: inAnHour() });
    const two = await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_spend' }, limit: 1 });
    assert.ok(two.next_offset);
    await expectChargebeeError(chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_bad' }, offset: two.next_offset }), { status: 400, param: 'offset', apiErrorCode: 'param_wrong_value' });
    await expectChargebeeError(chargebee.ledgerOperation.retrieveLedgerOperation('hld_nothing'), { status: 404, apiErrorCode: 'resource_not_found' });

    const units = async () => (await chargebee.creditUnit.list({ limit: 100 })).list.map((item) => item.credit_unit.id);
    const unitsBefore = await units();
    await expectChargebeeError(chargebee.creditUnit.create({ id: 'ai credits', name: 'x', is_unlimited: false }), { status: 400, param: 'id', apiErrorCode: 'param_wrong_value' });
    const unlimited = await expectChargebeeError(chargebee.creditUnit.create({ id: 'free', name: 'Free', is_unlimited: true }), {
      status: 400,
      param: 'is_unlimited',
      errorCode: 'not_supported',
      apiErrorCode: 'invalid_request',
    });
    const owed = await expectChargebeeError(chargebee.creditUnit.create({ id: 'owed', name: 'Owed', is_unlimited: false, overdraft_amount: '10' }), {
      status: 400,
      param: 'overdraft_amount',
      apiErrorCode: 'invalid_request',
    });
    // The native route a refusal points to is one the server has.
    const routes = (await server.native('GET', '/openapi.json')).body.paths;
    for (const refusal of [unlimited, owed]) {
      const [, method, path] = /\b(GET|POST|PUT|PATCH|DELETE) (\/v1\/[\w/-]+)/.exec(String(refusal.message)) ?? [];
      assert.ok(method && routes[path!]?.[method.toLowerCase()], `${refusal.message} names ${method} ${path}, which the native API does not have`);
    }
    await expectChargebeeError(chargebee.creditUnit.create({ id: 'cents', name: 'Cents', is_unlimited: false }), { status: 409, param: 'id', apiErrorCode: 'invalid_state_for_request' });
    assert.deepEqual(await units(), unitsBefore);
  });

  it('answers malformed bodies, unknown paths and bad keys in Chargebee shape', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${dialectUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${server.key}:`).toString('base64')}`, 'content-type': 'application/json', ...headers },
        body,
      });
    const check = async (response: Response, status: number, apiErrorCode: string) => {
      const body = (await response.json()) as Record<string, unknown>;
      assertShape(body, errorShape, 'body');
      assert.deepEqual([response.status, body.http_status_code, body.api_error_code], [status, status, apiErrorCode]);
    };
    await check(await post('/api/v2/promotional_grants', '{"subscription_id": "sub_raw",'), 400, 'invalid_request');
    await check(
      await post('/api/v2/promotional_grants', JSON.stringify({ subscription_id: 'sub_raw', unit_id: 'ai_credits', amount: '1', expires_at: inAnHour() }), { authorization: 'Bearer nope' }),
      401,
      'api_authentication_failed',
    );
    await check(await post('/api/v2/promotional_grants', '{}', { authorization: `Basic ${Buffer.from('cb_test_wrong:').toString('base64')}` }), 401, 'api_authentication_failed');
    await check(await post('/api/v2/subscriptions', '{}'), 404, 'resource_not_found');
    // A URL the router cannot read still answers in Chargebee's shape.
    const malformed = await fetch(`${dialectUrl}/api/v2/ledger_operations/%E0%A4%A`, { headers: { authorization: `Basic ${Buffer.from(`${server.key}:`).toString('base64')}` } });
    await check(malformed, 400, 'param_wrong_value');
    await expectChargebeeError(chargebeeClient(server.port, 'cb_test_not_a_key').creditUnit.list(), { status: 401, apiErrorCode: 'api_authentication_failed' });
  });

  it('keeps environments apart: a live key sees none of the test objects (404, or an empty list)', async () => {
    const timestamp = nowSeconds();
    const grant = await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_env', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() });
    const hold = await chargebee.ledgerOperation.authorize({ subscription_id: 'sub_env', unit_id: 'ai_credits', amount: '2', ledger_operation_timestamp: timestamp });
    const created = runCli(['keys', 'create', '--env', 'live', '--db', server.database]);
    assert.equal(created.status, 0, created.stderr);
    const live = chargebeeClient(server.port, created.stdout.trim());
    const before = await footprint('sub_env');

    await expectChargebeeError(live.ledgerOperation.retrieveLedgerOperation(hold.ledger_operation.id), { status: 404, apiErrorCode: 'resource_not_found' });
    await expectChargebeeError(live.ledgerOperation.retrieveLedgerOperation(grant.ledger_operations[0]!.id), { status: 404, apiErrorCode: 'resource_not_found' });
    await expectChargebeeError(live.ledgerOperation.captureAuthorization({ authorization_id: hold.ledger_operation.id, amount: '1', ledger_operation_timestamp: timestamp }), {
      status: 404,
      param: 'authorization_id',
      apiErrorCode: 'resource_not_found',
    });
    await expectChargebeeError(live.ledgerOperation.releaseAuthorization({ authorization_id: hold.ledger_operation.id, ledger_operation_timestamp: timestamp }), {
      status: 404,
      apiErrorCode: 'resource_not_found',
    });
    // The live environment has no credit unit of that name either, so not even the subscription shows.
    await expectChargebeeError(live.ledgerOperation.capture({ subscription_id: 'sub_env', unit_id: 'ai_credits', amount: '1', ledger_operation_timestamp: timestamp }), {
      status: 404,
      apiErrorCode: 'resource_not_found',
    });
    assert.deepEqual((await live.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_env' } })).list, []);
    assert.deepEqual((await live.ledgerOperation.listLedgerOperations({ subscription_id: { is: 'sub_env' } })).list, []);
    assert.deepEqual((await live.ledgerAccountBalance.listLedgerAccountBalances({ subscription_id: { is: 'sub_env' } })).list, []);
    assert.deepEqual((await live.creditUnit.list()).list, []);

    // The same names in live are other objects.
    await live.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
    const liveGrant = await live.promotionalGrant.promotionalGrants({ subscription_id: 'sub_env', unit_id: 'ai_credits', amount: '99', expires_at: inAnHour() });
    assert.notEqual(liveGrant.grant_blocks[0]!.id, grant.grant_blocks[0]!.id);
    assert.deepEqual((await live.grantBlock.listGrantBlocks({ subscription_id: { is: 'sub_env' } })).list.map((item) => item.grant_block.balance), ['99']);
    assert.deepEqual(await footprint('sub_env'), before);
  });
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type Chargebee from 'chargebee';
import { chargebeeClient, expectChargebeeError, nowSeconds, startChargebeeServe } from './chargebee-support.ts';

/**
 * A proxy in front of the dialect that lets the first POST through to the
 * server and then answers the client 503, as if the response were lost: the
 * official client retries (retryConfig) and must get the first response back.
 */
async function losingFirstResponse(target: string): Promise<{ url: string; lost: () => number; close: () => Promise<void> }> {
  let lost = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'chargebee-idempotency-key', 'x-cb-retry-attempt']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(`${target}${request.url}`, { method: request.method!, headers, ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) });
      const body = await upstream.text();
      if (request.method === 'POST' && lost === 0) {
        lost += 1;
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'lost on the way back', api_error_code: 'internal_temporary_error' }));
        return;
      }
      const replayed = upstream.headers.get('chargebee-idempotency-replayed');
      response.writeHead(upstream.status, { 'content-type': 'application/json', ...(replayed ? { 'chargebee-idempotency-replayed': replayed } : {}) });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, lost: () => lost, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('chargebee dialect: idempotency with chargebee-idempotency-key', () => {
  let server: Awaited<ReturnType<typeof startChargebeeServe>>;
  let chargebee: Chargebee;
  const inAnHour = () => nowSeconds() + 3600;
  const blocksOf = async (subscription: string) =>
    (await chargebee.grantBlock.listGrantBlocks({ subscription_id: { is: subscription }, limit: 100 })).list.map((item) => [item.grant_block.id, item.grant_block.balance]);

  before(async () => {
    server = await startChargebeeServe();
    chargebee = chargebeeClient(server.port, server.key);
    await chargebee.creditUnit.create({ id: 'ai_credits', name: 'AI Credits', is_unlimited: false });
  });

  after(async () => {
    await server?.stop();
  });

  it('replays a promotional grant with the same key and parameters, and says so', async () => {
    const input = { subscription_id: 'sub_replay', unit_id: 'ai_credits', amount: '25', expires_at: inAnHour(), metadata: { n: 1 } };
    const first = await chargebee.promotionalGrant.promotionalGrants(input, { 'chargebee-idempotency-key': 'grant-1' });
    const again = await chargebee.promotionalGrant.promotionalGrants(input, { 'chargebee-idempotency-key': 'grant-1' });
    assert.equal(first.isIdempotencyReplayed, false);
    assert.equal(again.isIdempotencyReplayed, 'true');
    assert.deepEqual(again.ledger_operations, first.ledger_operations);
    assert.deepEqual(again.grant_blocks, first.grant_blocks);
    assert.deepEqual(await blocksOf('sub_replay'), [[first.grant_blocks[0]!.id, '25']]);
  });

  it('refuses the same key with other parameters (409), and writes nothing', async () => {
    const input = { subscription_id: 'sub_conflict', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() };
    await chargebee.promotionalGrant.promotionalGrants(input, { 'chargebee-idempotency-key': 'grant-2' });
    const before = await blocksOf('sub_conflict');
    await expectChargebeeError(chargebee.promotionalGrant.promotionalGrants({ ...input, amount: '11' }, { 'chargebee-idempotency-key': 'grant-2' }), {
      status: 409,
      apiErrorCode: 'invalid_state_for_request',
      errorCode: 'idempotency_conflict',
      param: 'chargebee-idempotency-key',
      message: /'grant-2' was already used with a different request/,
    });
    assert.deepEqual(await blocksOf('sub_conflict'), before);
    await expectChargebeeError(chargebee.promotionalGrant.promotionalGrants(input, { 'chargebee-idempotency-key': 'k'.repeat(101) }), {
      status: 400,
      param: 'chargebee-idempotency-key',
      apiErrorCode: 'param_wrong_value',
    });
  });

  it('scopes a key to its endpoint, and replays captures and hold captures', async () => {
    const timestamp = nowSeconds();
    await chargebee.promotionalGrant.promotionalGrants({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '10', expires_at: inAnHour() }, { 'chargebee-idempotency-key': 'shared' });
    const capture = () =>
      chargebee.ledgerOperation.capture({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '3', ledger_operation_timestamp: timestamp }, { 'chargebee-idempotency-key': 'shared' });
    const first = await capture();
    const again = await capture();
    assert.deepEqual([first.isIdempotencyReplayed, again.isIdempotencyReplayed], [false, 'true']);
    assert.deepEqual(again.ledger_operation, first.ledger_operation);
    assert.deepEqual(await blocksOf('sub_spend'), [[first.grant_blocks[0]!.id, '7']]);

    const hold = await chargebee.ledgerOperation.authorize({ subscription_id: 'sub_spend', unit_id: 'ai_credits', amount: '5', ledger_operation_timestamp: timestamp });
    const captureHold = () =>
      chargebee.ledgerOperation.captureAuthorization({ authorization_id: hold.ledger_operation.id, amount: '2', ledger_operation_timestamp: timestamp }, { 'chargebee-idempotency-key': 'cap-1' });
    const captured = await captureHold();
    const replayed = await captureHold();
    assert.equal(replayed.isIdempotencyReplayed, 'true');
    assert.deepEqual(replayed.ledger_operation, captured.ledger_operation);
    assert.deepEqual(replayed.ledger_account_balance, captured.ledger_account_balance);
    assert.deepEqual(await blocksOf('sub_spend'), [[first.grant_blocks[0]!.id, '5']]);
  });

  it('the official client retries a lost response and gets the first one back, applied once', async () => {
    const proxy = await losingFirstResponse(server.served.dialectUrls.chargebee!);
    try {
      const retrying = chargebeeClient(Number(new URL(proxy.url).port), server.key, { retryConfig: { enabled: true, maxRetries: 2, delayMs: 10, retryOn: [503] } });
      // promotional_grants is marked idempotent in the client: it makes up a key itself when retries are on.
      const granted = await retrying.promotionalGrant.promotionalGrants({ subscription_id: 'sub_retry', unit_id: 'ai_credits', amount: '8', expires_at: inAnHour() });
      assert.equal(proxy.lost(), 1);
      assert.equal(granted.isIdempotencyReplayed, 'true');
      assert.deepEqual(await blocksOf('sub_retry'), [[granted.grant_blocks[0]!.id, '8']]);
    } finally {
      await proxy.close();
    }
    const again = await losingFirstResponse(server.served.dialectUrls.chargebee!);
    try {
      const retrying = chargebeeClient(Number(new URL(again.url).port), server.key, { retryConfig: { enabled: true, maxRetries: 2, delayMs: 10, retryOn: [503] } });
      const captured = await retrying.ledgerOperation.capture(
        { subscription_id: 'sub_retry', unit_id: 'ai_credits', amount: '3', ledger_operation_timestamp: nowSeconds() },
        { 'chargebee-idempotency-key': 'capture-retry' },
      );
      assert.equal(again.lost(), 1);
      assert.equal(captured.isIdempotencyReplayed, 'true');
      assert.equal(captured.ledger_operation.provisioned_end_balance, '5');
      assert.deepEqual((await blocksOf('sub_retry')).map(([, balance]) => balance), ['5']);
    } finally {
      await again.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decimal, ledgerSummary, startCluster, type Cluster } from '../support/postgres-cluster.ts';

/**
 * Rated usage on three real `serve` processes sharing one PostgreSQL database:
 * an event ID books once however many nodes receive it at once, and
 * check-reserve-track cycles racing on one wallet never spend what is not there.
 */
const NODES = 3;
const UNIT = 'credits';
const FEATURE = 'api_call';

type Response = { status: number; body: any };

describe('rated usage on three serve nodes and PostgreSQL', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({ prefix: 'creditbook_usage', nodes: NODES });
    const call = cluster.call(0);
    assert.equal((await call('POST', '/v1/units', { code: UNIT, scale: 0 })).status, 201);
    assert.equal((await call('POST', '/v1/features', { key: FEATURE, quantityScale: 0 })).status, 201);
    assert.equal((await call('POST', '/v1/prices', { feature: FEATURE, unit: UNIT, amount: '1' })).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  async function customerWith(id: string, credits: string): Promise<string> {
    assert.equal((await cluster.call(1)('POST', '/v1/customers', { id })).status, 201);
    const granted = await cluster.call(2)('POST', '/v1/grants', { customerId: id, unit: UNIT, amount: credits });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    return granted.body.walletId as string;
  }

  it('the same event ID sent 30 times at once across the nodes books once; every answer is the first one', async () => {
    const customerId = 'usage-dup';
    const walletId = await customerWith(customerId, '100');
    const event = { id: 'evt-once', customerId, feature: FEATURE, quantity: '7' };
    const responses: Response[] = await Promise.all(Array.from({ length: 30 }, (_, index) => cluster.call(index)('POST', '/v1/usage-events', event)));
    for (const response of responses) assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(responses.filter((response) => response.body.duplicate === false).length, 1, 'exactly one first answer');
    const first = responses.find((response) => response.body.duplicate === false)!.body;
    for (const response of responses) assert.deepEqual({ ...response.body, duplicate: false }, first);
    const [rows] = await cluster.database.query<{ events: number; debits: number }>(
      `SELECT (SELECT count(*)::int FROM usage_events WHERE customer_id = $1) AS events, (SELECT count(*)::int FROM debits WHERE wallet_id = $2) AS debits`,
      [customerId, walletId],
    );
    assert.deepEqual(rows, { events: 1, debits: 1 });
    assert.equal(decimal((await ledgerSummary(cluster.database, walletId)).sum), '93');
  });

  it('batches with repeated IDs sent to every node at once book each ID once', async () => {
    const customerId = 'usage-batch';
    const walletId = await customerWith(customerId, '1000');
    const ids = Array.from({ length: 20 }, (_, index) => `batch-${index}`);
    const batch = (offset: number) => ({ events: [...ids, ...ids].map((_, index, all) => ({ id: all[(index + offset) % all.length], customerId, feature: FEATURE, quantity: '1' })) });
    const responses: Response[] = await Promise.all(Array.from({ length: NODES * 2 }, (_, index) => cluster.call(index)('POST', '/v1/usage-events/batch', batch(index * 7))));
    const items = responses.flatMap((response) => {
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.data;
    });
    assert.ok(items.every((item: any) => item.status === 'succeeded'), JSON.stringify(items.find((item: any) => item.status !== 'succeeded')));
    assert.equal(items.filter((item: any) => !item.usageEvent.duplicate).length, ids.length, 'each ID has one first answer');
    const [rows] = await cluster.database.query<{ events: number }>('SELECT count(*)::int AS events FROM usage_events WHERE customer_id = $1', [customerId]);
    assert.equal(rows!.events, ids.length);
    assert.equal(decimal((await ledgerSummary(cluster.database, walletId)).sum), String(1000 - ids.length));
  });

  it('300 concurrent check-reserve-track cycles on a wallet holding 200: exactly 200 are allowed, and the balance never goes below zero', async () => {
    const customerId = 'usage-reserve';
    const walletId = await customerWith(customerId, '200');
    const cycle = async (index: number): Promise<boolean> => {
      const check: Response = await cluster.call(index)('POST', '/v1/entitlements/check', { customerId, feature: FEATURE, quantity: '1', reserve: true, ttlSeconds: 600 });
      assert.equal(check.status, 200, JSON.stringify(check.body));
      if (!check.body.allowed) return false;
      const tracked: Response = await cluster.call(index + 1)('POST', '/v1/usage-events', {
        id: `cycle-${index}`,
        customerId,
        feature: FEATURE,
        quantity: '1',
        reservationId: check.body.reservationId,
      });
      assert.equal(tracked.status, 201, JSON.stringify(tracked.body));
      assert.deepEqual([tracked.body.cost, tracked.body.consumed, tracked.body.shortfall], ['1', '1', '0']);
      return true;
    };
    const allowed = await Promise.all(Array.from({ length: 300 }, (_, index) => cycle(index)));
    assert.equal(allowed.filter(Boolean).length, 200);
    const ledger = await ledgerSummary(cluster.database, walletId);
    assert.equal(decimal(ledger.sum), '0');
    assert.equal(decimal(ledger.minBalanceAfter!), '0', 'no entry left the balance below zero');
    const [wallet] = await cluster.database.query<{ held: string; overdraft: string }>('SELECT held::text, overdraft::text FROM wallets WHERE id = $1', [walletId]);
    assert.deepEqual([decimal(wallet!.held), decimal(wallet!.overdraft)], ['0', '0']);
    const verify = cluster.verify();
    assert.equal(verify.status, 0, `verify failed:\n${verify.stdout}\n${verify.stderr}`);
  });
});

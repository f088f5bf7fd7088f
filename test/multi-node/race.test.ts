import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrations } from '../../src/store/migrations/migrations.ts';
import { decimal, ledgerSummary, startCluster, type Cluster } from '../support/postgres-cluster.ts';

/**
 * Issue 3, race proofs: three real `serve` processes on ONE PostgreSQL database
 * (started at the same moment, so they also migrate concurrently), with
 * hundreds of requests in flight at once, spread round-robin over the nodes,
 * all aimed at one wallet. Per-wallet serialisation must come from the
 * database (`SELECT … FOR UPDATE` on the wallet row): no node can see what the
 * others hold in memory.
 */

const NODES = 3;
const UNIT = 'tokens';

type Response = { status: number; headers: Headers; body: any };

describe('three serve nodes on one PostgreSQL database never double-spend', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({ prefix: 'creditbook_race', nodes: NODES });
    const units = await cluster.call(0)('POST', '/v1/units', { code: UNIT, scale: 0 });
    assert.equal(units.status, 201, JSON.stringify(units.body));
  });

  after(async () => {
    await cluster?.stop();
  });

  async function newCustomer(id: string): Promise<void> {
    const created = await cluster.call(1)('POST', '/v1/customers', { id });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }

  async function grant(index: number, customerId: string, fields: Record<string, unknown>): Promise<string> {
    const granted = await cluster.call(index)('POST', '/v1/grants', { customerId, unit: UNIT, ...fields });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    return granted.body.walletId as string;
  }

  async function balance(index: number, customerId: string): Promise<{ available: string; held: string }> {
    const read = await cluster.call(index)('GET', `/v1/balances?customerId=${customerId}&unit=${UNIT}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    return { available: read.body.available, held: read.body.held };
  }

  function assertVerifies(): void {
    const verify = cluster.verify();
    assert.equal(verify.status, 0, `verify failed:\n${verify.stdout}\n${verify.stderr}`);
    assert.match(verify.stdout, /0 problems/);
  }

  it('started three nodes that migrated once between them', async () => {
    assert.equal(cluster.nodes.length, NODES);
    const applied = await cluster.database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      applied.map((row) => row.version),
      migrations.map((migration) => migration.version),
    );
    // The unit made through node 0 is there on every node: they share the database, not memory.
    for (let index = 0; index < NODES; index += 1) {
      const units = await cluster.call(index)('GET', '/v1/units');
      assert.deepEqual(units.body.data.map((unit: { code: string }) => unit.code), [UNIT]);
    }
  });

  it('created one test environment when the three nodes started at once on an empty database', async (context) => {
    const environments = await cluster.database.query<{ id: string }>("SELECT id FROM environments WHERE mode = 'test'");
    assert.equal(environments.length, 1, `${environments.length} test environments`);
    // Each node that saw the empty database printed a key; every one of them is a key to that one environment, on every node.
    for (const [index, key] of cluster.printedKeys.entries()) {
      const response = await fetch(`${cluster.nodes[(index + 1) % NODES]!.baseUrl}/v1/units`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(response.status, 200);
      assert.deepEqual(((await response.json()) as { data: Array<{ code: string }> }).data.map((unit) => unit.code), [UNIT]);
    }
    context.diagnostic(`${cluster.printedKeys.length} of ${NODES} nodes printed a test key`);
  });

  it('600 concurrent debits of 1 against a wallet holding 200: exactly 200 succeed, the rest get insufficient_balance', async () => {
    const customerId = 'race-debits';
    await newCustomer(customerId);
    // Two grants, so the race also crosses a burn-order boundary.
    const walletId = await grant(0, customerId, { amount: '150', category: 'promotional', priority: 10, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    await grant(1, customerId, { amount: '50' });
    assert.deepEqual(await balance(2, customerId), { available: '200', held: '0' });

    const attempts = 600;
    const responses: Response[] = await Promise.all(
      Array.from({ length: attempts }, (_, index) => cluster.call(index)('POST', '/v1/debits', { customerId, unit: UNIT, amount: '1' })),
    );
    const succeeded = responses.filter((response) => response.status === 201);
    const rejected = responses.filter((response) => response.status !== 201);
    assert.equal(succeeded.length, 200);
    assert.equal(rejected.length, attempts - 200);
    for (const response of rejected) {
      assert.equal(response.status, 402, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'insufficient_balance');
    }
    assert.equal(new Set(succeeded.map((response) => response.body.id)).size, 200, 'every success is its own debit');
    // Every node served some of the winners: the serialisation is not one node's doing.
    const winnersByNode = Array.from({ length: NODES }, (_, node) => responses.filter((response, index) => index % NODES === node && response.status === 201).length);
    assert.ok(winnersByNode.every((count) => count > 0), `winners by node: ${winnersByNode.join(', ')}`);

    for (let index = 0; index < NODES; index += 1) assert.deepEqual(await balance(index, customerId), { available: '0', held: '0' });
    const [debits] = await cluster.database.query<{ count: number }>('SELECT count(*)::int AS count FROM debits WHERE wallet_id = $1', [walletId]);
    assert.equal(debits!.count, 200);
    const ledger = await ledgerSummary(cluster.database, walletId);
    assert.equal(decimal(ledger.sum), '0');
    assert.equal(decimal(ledger.minBalanceAfter!), '0', 'no entry ever left the balance below zero');
    assertVerifies();
  });

  it('debits, holds, captures and releases racing on three nodes: captured + debited is exactly what was there', async () => {
    const customerId = 'race-holds';
    const initial = 300;
    await newCustomer(customerId);
    const walletId = await grant(0, customerId, { amount: String(initial) });

    let stop = false;
    const observed: Array<{ available: string; held: string }> = [];
    const watcher = (async () => {
      for (let read = 0; !stop; read += 1) observed.push(await balance(read, customerId));
    })();

    let captured = 0;
    let heldAndEnded = 0;
    const holdFlow = async (index: number): Promise<void> => {
      const hold = await cluster.call(index)('POST', '/v1/holds', { customerId, unit: UNIT, amount: '3', ttlSeconds: 600 });
      if (hold.status === 402) {
        assert.equal(hold.body.error.code, 'insufficient_balance');
        return;
      }
      assert.equal(hold.status, 201, JSON.stringify(hold.body));
      // The hold ends on another node than the one that created it.
      const ender = cluster.call(index + 1);
      const kind = index % 3;
      const ended =
        kind === 0
          ? await ender('POST', `/v1/holds/${hold.body.id}/capture`, {})
          : kind === 1
            ? await ender('POST', `/v1/holds/${hold.body.id}/capture`, { amount: '2' })
            : await ender('POST', `/v1/holds/${hold.body.id}/release`, {});
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      heldAndEnded += 1;
      captured += Number(ended.body.capturedAmount);
      assert.equal(ended.body.status, kind === 2 ? 'released' : 'captured');
    };
    let debited = 0;
    const debit = async (index: number): Promise<void> => {
      const response = await cluster.call(index)('POST', '/v1/debits', { customerId, unit: UNIT, amount: '1' });
      if (response.status === 201) debited += 1;
      else assert.deepEqual([response.status, response.body.error.code], [402, 'insufficient_balance']);
    };
    // 360 debits and 150 holds (each then captured in full, in part, or released): 510 operations, asking for ~810 credits.
    await Promise.all(Array.from({ length: 510 }, (_, index) => (index % 17 < 5 ? holdFlow(index) : debit(index))));
    stop = true;
    await watcher;

    assert.ok(heldAndEnded > 0 && debited > 0, `holds ended ${heldAndEnded}, debits ${debited}`);
    assert.ok(observed.length > 0);
    for (const seen of observed) assert.ok(Number(seen.available) >= 0 && Number(seen.held) >= 0, `balance seen during the race: ${JSON.stringify(seen)}`);
    // Every hold has ended, so nothing is held; what is left is exactly what nobody took.
    const left = await balance(2, customerId);
    assert.deepEqual(left, { available: String(initial - debited - captured), held: '0' });
    // Take the rest, so that debited + captured accounts for every credit there was.
    if (left.available !== '0') {
      const rest = await cluster.call(0)('POST', '/v1/debits', { customerId, unit: UNIT, amount: left.available });
      assert.equal(rest.status, 201, JSON.stringify(rest.body));
      debited += Number(left.available);
    }
    assert.equal(captured + debited, initial);
    assert.deepEqual(await balance(1, customerId), { available: '0', held: '0' });
    const [totals] = await cluster.database.query<{ debited: string }>(
      "SELECT coalesce(sum(amount), 0)::text AS debited FROM debits WHERE wallet_id = $1",
      [walletId],
    );
    assert.equal(decimal(totals!.debited), String(initial), 'debit rows (plain and captured) add up to the grant');
    const ledger = await ledgerSummary(cluster.database, walletId);
    assert.ok(Number(ledger.minBalanceAfter) >= 0, `lowest balance after any entry: ${ledger.minBalanceAfter}`);
    const [negativeHeld] = await cluster.database.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM ledger_entries WHERE wallet_id = $1 AND held_after < 0',
      [walletId],
    );
    assert.equal(negativeHeld!.count, 0);
    assertVerifies();
  });

  it('one idempotency key sent to three nodes at once creates one debit; every response carries its id', async () => {
    const customerId = 'race-idempotency';
    await newCustomer(customerId);
    const walletId = await grant(0, customerId, { amount: '100' });
    const rounds = 3;
    const perRound = 45;
    for (let round = 0; round < rounds; round += 1) {
      const key = `same-key-${round}`;
      const responses: Response[] = await Promise.all(
        Array.from({ length: perRound }, (_, index) =>
          cluster.call(index)('POST', '/v1/debits', { customerId, unit: UNIT, amount: '7' }, { 'Idempotency-Key': key }),
        ),
      );
      assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([201]), JSON.stringify(responses.find((response) => response.status !== 201)?.body));
      const ids = new Set(responses.map((response) => response.body.id));
      assert.equal(ids.size, 1, `round ${round}: one debit id in every response, got ${[...ids].join(', ')}`);
      const replayed = responses.filter((response) => response.headers.get('idempotent-replayed') === 'true');
      assert.equal(replayed.length, perRound - 1, 'all but the first are marked as replays');
      assert.deepEqual(responses.find((response) => response.headers.get('idempotent-replayed') !== 'true')!.body, responses[0]!.body);
    }
    // The same key with a different request, sent everywhere at once: one debit, the rest are conflicts or replays.
    const mixed: Response[] = await Promise.all(
      Array.from({ length: perRound }, (_, index) =>
        cluster.call(index)('POST', '/v1/debits', { customerId, unit: UNIT, amount: index % 2 === 0 ? '1' : '2' }, { 'Idempotency-Key': 'contested-key' }),
      ),
    );
    const winners = mixed.filter((response) => response.status === 201);
    assert.equal(new Set(winners.map((response) => response.body.id)).size, 1);
    const winningAmount = winners[0]!.body.amount as string;
    for (const [index, response] of mixed.entries()) {
      const sentAmount = index % 2 === 0 ? '1' : '2';
      if (sentAmount === winningAmount) assert.equal(response.status, 201);
      else assert.deepEqual([response.status, response.body.error.code], [409, 'idempotency_conflict']);
    }

    const [debits] = await cluster.database.query<{ count: number }>('SELECT count(*)::int AS count FROM debits WHERE wallet_id = $1', [walletId]);
    assert.equal(debits!.count, rounds + 1, 'one debit per key');
    assert.deepEqual(await balance(2, customerId), { available: String(100 - rounds * 7 - Number(winningAmount)), held: '0' });
    assertVerifies();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../support/postgres-cluster.ts';

/**
 * Issue 3, expiry with three nodes: three real `serve` processes on one
 * PostgreSQL database, each running the background sweep every second on the
 * real clock (the printed test key's environment has no frozen clock). Grants
 * and holds expire 1.5-3 s after they are made, and nothing touches their
 * wallets afterwards, so only the sweeps can book the expiries. Each must be
 * booked exactly once, at exactly its `expiresAt`, however many nodes found it due.
 */

const UNIT = 'minutes';
const GRANT_WALLETS = 18;
const HOLD_WALLETS = 12;

interface ExpectedGrant {
  grantId: string;
  expiresAt: number;
  /** What is left on the grant when it expires: the expiry entry must forfeit exactly this. */
  remaining: number;
}
interface ExpectedHold {
  holdId: string;
  expiresAt: number;
  amount: number;
}

describe('three nodes sweeping one PostgreSQL database book each expiry exactly once', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({ prefix: 'creditbook_expiry', nodes: 3 });
    assert.equal((await cluster.call(0)('POST', '/v1/units', { code: UNIT, scale: 0 })).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  /** Customers and the credit that never expires come first, so the expiring objects are made within moments of their deadline being chosen. */
  async function prepare(customerId: string, index: number, credit: string): Promise<void> {
    const call = cluster.call(index);
    assert.equal((await call('POST', '/v1/customers', { id: customerId })).status, 201);
    assert.equal((await call('POST', '/v1/grants', { customerId, unit: UNIT, amount: credit })).status, 201);
  }

  /** A grant expiring soon, partly (or, for every third wallet, fully) spent, beside credit that never expires. */
  async function grantWallet(index: number): Promise<ExpectedGrant> {
    const call = cluster.call(index);
    const customerId = `expiring-grant-${index}`;
    const amount = 10;
    const expiresAt = Date.now() + 1500 + (index % 4) * 500;
    const expiring = await call('POST', '/v1/grants', { customerId, unit: UNIT, amount: String(amount), expiresAt: new Date(expiresAt).toISOString() });
    assert.equal(expiring.status, 201, JSON.stringify(expiring.body));
    const spend = index % 3 === 0 ? amount : 3;
    const debit = await call('POST', '/v1/debits', { customerId, unit: UNIT, amount: String(spend) });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    // Burn order takes the expiring grant first, unless it had already expired when the debit arrived.
    const fromExpiring = (debit.body.allocations as Array<{ grantId: string; amount: string }>)
      .filter((allocation) => allocation.grantId === expiring.body.id)
      .reduce((total, allocation) => total + Number(allocation.amount), 0);
    return { grantId: expiring.body.id, expiresAt, remaining: amount - fromExpiring };
  }

  async function holdWallet(index: number): Promise<ExpectedHold> {
    const expiresAt = Date.now() + 1500 + (index % 4) * 500;
    const hold = await cluster.call(index)('POST', '/v1/holds', { customerId: `expiring-hold-${index}`, unit: UNIT, amount: '5', expiresAt: new Date(expiresAt).toISOString() });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    return { holdId: hold.body.id, expiresAt, amount: 5 };
  }

  it('books one expiry entry per grant with credit left, at its expiresAt, and releases each hold once', async (context) => {
    await Promise.all([
      ...Array.from({ length: GRANT_WALLETS }, (_, index) => prepare(`expiring-grant-${index}`, index, '100')),
      ...Array.from({ length: HOLD_WALLETS }, (_, index) => prepare(`expiring-hold-${index}`, index, '50')),
    ]);
    const [grants, holds] = await Promise.all([
      Promise.all(Array.from({ length: GRANT_WALLETS }, (_, index) => grantWallet(index))),
      Promise.all(Array.from({ length: HOLD_WALLETS }, (_, index) => holdWallet(index))),
    ]);
    const withCredit = grants.filter((grant) => grant.remaining > 0);
    assert.ok(withCredit.length > 0 && withCredit.length < grants.length, 'some grants expire with credit left, some fully spent');
    const database = cluster.database;

    const expiryEntries = () =>
      database.query<{ grant_id: string; entries: number; first_at: string; last_at: string; forfeited: string }>(
        `SELECT grant_id, count(*)::int AS entries, min(effective_at)::text AS first_at, max(effective_at)::text AS last_at, (-sum(amount))::text AS forfeited
         FROM ledger_entries WHERE type = 'expiry' GROUP BY grant_id`,
      );
    const releaseEntries = () =>
      database.query<{ hold_id: string; entries: number; first_at: string; released: string }>(
        `SELECT hold_id, count(*)::int AS entries, min(effective_at)::text AS first_at, sum(amount)::text AS released
         FROM ledger_entries WHERE type = 'release' GROUP BY hold_id`,
      );

    // Wait until the sweeps have booked everything, then give every node two more sweeps to book anything twice.
    const lastExpiry = Math.max(...grants.map((grant) => grant.expiresAt), ...holds.map((hold) => hold.expiresAt));
    const deadline = lastExpiry + 20_000;
    for (;;) {
      const [expired, released] = await Promise.all([expiryEntries(), releaseEntries()]);
      if (expired.length >= withCredit.length && released.length >= holds.length) break;
      assert.ok(Date.now() < deadline, `the sweeps booked ${expired.length}/${withCredit.length} expiries and ${released.length}/${holds.length} hold releases`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const expired = new Map((await expiryEntries()).map((row) => [row.grant_id, row]));
    assert.equal(expired.size, withCredit.length, 'no expiry entry for a grant with nothing left');
    for (const grant of grants) {
      const row = expired.get(grant.grantId);
      if (grant.remaining === 0) {
        assert.equal(row, undefined);
        continue;
      }
      assert.ok(row, `grant ${grant.grantId} was never expired`);
      assert.equal(row.entries, 1, `grant ${grant.grantId} expired ${row.entries} times`);
      assert.equal(Number(row.first_at), grant.expiresAt, 'the expiry entry carries expiresAt as its time');
      assert.equal(Number(row.forfeited), grant.remaining);
    }
    const released = new Map((await releaseEntries()).map((row) => [row.hold_id, row]));
    assert.equal(released.size, holds.length);
    for (const hold of holds) {
      const row = released.get(hold.holdId)!;
      assert.ok(row, `hold ${hold.holdId} was never released`);
      assert.equal(row.entries, 1, `hold ${hold.holdId} released ${row.entries} times`);
      assert.equal(Number(row.first_at), hold.expiresAt);
      assert.equal(Number(row.released), hold.amount);
    }
    const holdStates = await database.query<{ status: string; ended_at: string }>('SELECT status, ended_at::text AS ended_at FROM holds');
    assert.deepEqual(new Set(holdStates.map((hold) => hold.status)), new Set(['expired']));
    const events = await database.query<{ type: string; count: number }>(
      "SELECT type, count(*)::int AS count FROM events WHERE type IN ('grant.expired', 'hold.expired') GROUP BY type ORDER BY type",
    );
    assert.deepEqual(events, [
      { type: 'grant.expired', count: withCredit.length },
      { type: 'hold.expired', count: holds.length },
    ]);
    // Every node reads the same balances: the credit that never expires, less what the debit took from it; the held 5 back in full.
    for (const [index, grant] of grants.entries()) {
      const balance = await cluster.call(index)('GET', `/v1/balances?customerId=expiring-grant-${index}&unit=${UNIT}`);
      const spend = index % 3 === 0 ? 10 : 3;
      const spilled = spend - (10 - grant.remaining);
      assert.equal(balance.body.available, String(100 - spilled));
    }
    for (let index = 0; index < HOLD_WALLETS; index += 1) {
      const balance = await cluster.call(index + 1)('GET', `/v1/balances?customerId=expiring-hold-${index}&unit=${UNIT}`);
      assert.deepEqual([balance.body.available, balance.body.held], ['50', '0']);
    }
    context.diagnostic(`${withCredit.length} grant expiries and ${holds.length} hold expiries, each booked once by three sweeping nodes`);
    const verify = cluster.verify();
    assert.equal(verify.status, 0, `verify failed:\n${verify.stdout}\n${verify.stderr}`);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, runCli, startServe, type ServedProcess } from '../support/serve-process.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (instant: number) => new Date(instant).toISOString();

/**
 * The whole first-version story against the real `serve` command on a temp
 * SQLite file: unit, customer, grants of mixed priority and expiry, debits, a
 * hold and its capture, a void, clock advances past activation and expiry;
 * then balances now and in the past, the ledger, and `verify`.
 */
describe('end to end: the real serve command', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-e2e-'));
  const database = join(directory, 'story.db');
  let served: ServedProcess;
  let call: ReturnType<typeof apiClient>;
  // A fixed instant in the future, so the frozen test clock can move there.
  const t0 = Math.ceil(Date.now() / DAY) * DAY + DAY;
  let customerId = '';
  const grants: Record<string, string> = {};

  before(async () => {
    served = await startServe({ database });
    assert.ok(served.testKey, 'an empty database prints a test key');
    call = apiClient(served.baseUrl, served.testKey);
  });

  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const balanceAt = async (at?: number) => {
    const query = `customerId=${customerId}&unit=ai_credits${at === undefined ? '' : `&at=${encodeURIComponent(iso(at))}`}`;
    const response = await call('GET', `/v1/balances?${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as { available: string; held: string; scheduled: string; overdraft: string };
  };

  it('runs the story', async () => {
    assert.equal((await call('POST', '/v1/test-clock/advance', { to: iso(t0) })).status, 200);
    assert.equal((await call('POST', '/v1/units', { code: 'ai_credits', scale: 2 })).status, 201);
    const customer = await call('POST', '/v1/customers', { name: 'Acme' });
    assert.equal(customer.status, 201);
    customerId = customer.body.id;

    const grantSpecs = {
      soon: { amount: '100', priority: 10, expiresAt: iso(t0 + 10 * DAY) },
      forever: { amount: '50', priority: 50 },
      paid: { amount: '200', priority: 50, category: 'paid', expiresAt: iso(t0 + 30 * DAY) },
      later: { amount: '80', priority: 50, category: 'paid', effectiveAt: iso(t0 + 5 * DAY) },
    };
    for (const [name, spec] of Object.entries(grantSpecs)) {
      const response = await call('POST', '/v1/grants', { customerId, unit: 'ai_credits', ...spec });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      grants[name] = response.body.id;
    }
    assert.deepEqual(pick(await balanceAt()), { available: '350', held: '0', scheduled: '80', overdraft: '0' });

    // Burn order: priority 10 first, then the grant that expires before the never-expiring one.
    const debit = await call('POST', '/v1/debits', { customerId, unit: 'ai_credits', amount: '120' });
    assert.equal(debit.status, 201);
    assert.deepEqual(debit.body.allocations, [
      { grantId: grants.soon, amount: '100' },
      { grantId: grants.paid, amount: '20' },
    ]);

    await call('POST', '/v1/test-clock/advance', { to: iso(t0 + HOUR) });
    const hold = await call('POST', '/v1/holds', { customerId, unit: 'ai_credits', amount: '50', ttlSeconds: 600 });
    assert.equal(hold.status, 201);
    assert.deepEqual(pick(await balanceAt()), { available: '180', held: '50', scheduled: '80', overdraft: '0' });
    const capture = await call('POST', `/v1/holds/${hold.body.id}/capture`, { amount: '30' });
    assert.equal(capture.status, 200);
    assert.equal(capture.body.status, 'captured');
    assert.equal(capture.body.debit.amount, '30');
    assert.deepEqual(pick(await balanceAt()), { available: '200', held: '0', scheduled: '80', overdraft: '0' });

    await call('POST', '/v1/test-clock/advance', { to: iso(t0 + 2 * HOUR) });
    const voided = await call('POST', `/v1/grants/${grants.forever}/void`);
    assert.equal(voided.status, 200);
    assert.equal(voided.body.status, 'voided');
    assert.equal(voided.body.voided, '50');

    await call('POST', '/v1/test-clock/advance', { to: iso(t0 + 6 * DAY) });
    assert.deepEqual(pick(await balanceAt()), { available: '230', held: '0', scheduled: '0', overdraft: '0' });
    await call('POST', '/v1/test-clock/advance', { to: iso(t0 + 31 * DAY) });
    assert.deepEqual(pick(await balanceAt()), { available: '80', held: '0', scheduled: '0', overdraft: '0' });

    // The past, exactly.
    assert.equal((await balanceAt(t0 + 30 * 60_000)).available, '230');
    assert.equal((await balanceAt(t0 + 90 * 60_000)).available, '200');
    assert.deepEqual(pick(await balanceAt(t0 + 3 * DAY)), { available: '150', held: '0', scheduled: '80', overdraft: '0' });
    assert.equal((await balanceAt(t0 + 5 * DAY)).available, '230');
    assert.equal((await balanceAt(t0 + 30 * DAY - 1)).available, '230');
    assert.equal((await balanceAt(t0 + 30 * DAY)).available, '80');

    const paidGrant = await call('GET', `/v1/grants/${grants.paid}`);
    assert.deepEqual(
      { status: paidGrant.body.status, available: paidGrant.body.available, consumed: paidGrant.body.consumed, expired: paidGrant.body.expired },
      { status: 'expired', available: '0', consumed: '50', expired: '150' },
    );

    const ledger = await call('GET', `/v1/ledger-entries?grantId=${grants.paid}&limit=100`);
    assert.equal(ledger.status, 200);
    const entries = [...ledger.body.data].reverse().map((entry: any) => [entry.type, entry.amount, entry.heldAmount, entry.effectiveAt]);
    assert.deepEqual(entries, [
      ['grant', '200', '0', iso(t0)],
      ['debit', '-20', '0', iso(t0)],
      ['hold', '-50', '50', iso(t0 + HOUR)],
      ['capture', '0', '-30', iso(t0 + HOUR)],
      ['release', '20', '-20', iso(t0 + HOUR)],
      ['expiry', '-150', '0', iso(t0 + 30 * DAY)],
    ]);

    const verify = runCli(['verify', '--db', database]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /1 wallets checked, 0 problems/);
  });
});

function pick(balance: { available: string; held: string; scheduled: string; overdraft: string }) {
  return { available: balance.available, held: balance.held, scheduled: balance.scheduled, overdraft: balance.overdraft };
}

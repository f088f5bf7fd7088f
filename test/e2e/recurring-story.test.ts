import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, runCli, startServe, type ServedProcess } from '../support/serve-process.ts';

const DAY = 86_400_000;
const iso = (instant: number) => new Date(instant).toISOString();
const utc = (text: string) => Date.parse(text);

/**
 * A monthly plan of 1000 credits with a rollover cap of 200, on a wallet whose
 * usage period is monthly and anchored on a month end (Jan 31 → Feb 28 → Mar 31
 * → Apr 30). Three months of mixed usage, a promotional grant that expires
 * mid-period; after each month: balance, ledger, and `verify`.
 */
describe('end to end: recurring grants, usage periods and rollover', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-recurring-'));
  const database = join(directory, 'recurring.db');
  let served: ServedProcess;
  let call: ReturnType<typeof apiClient>;
  const t0 = utc('2031-01-31T09:00:00.000Z');
  const [t1, t2, t3] = ['2031-02-28T09:00:00.000Z', '2031-03-31T09:00:00.000Z', '2031-04-30T09:00:00.000Z'].map(utc) as [number, number, number];
  const wallet = { customerId: 'acme', unit: 'credits' };

  before(async () => {
    served = await startServe({ database });
    call = apiClient(served.baseUrl, served.testKey!);
  });
  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const ok = async (method: string, path: string, body?: unknown, status = 200) => {
    const response = await call(method, path, body);
    assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const advance = (to: number) => ok('POST', '/v1/test-clock/advance', { to: iso(to) });
  const balance = (at?: number) => ok('GET', `/v1/balances?customerId=acme&unit=credits${at === undefined ? '' : `&at=${encodeURIComponent(iso(at))}`}`);
  const entriesBetween = async (from: number, to: number) => {
    const page = await ok('GET', '/v1/ledger-entries?customerId=acme&limit=100');
    return [...page.data]
      .reverse()
      .filter((entry: any) => Date.parse(entry.effectiveAt) >= from && Date.parse(entry.effectiveAt) <= to)
      .map((entry: any) => [entry.type, entry.grantId, entry.amount, entry.effectiveAt]);
  };
  const verify = () => {
    const result = runCli(['verify', '--db', database]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /0 problems/);
  };

  it('books each month exactly', async () => {
    await advance(t0);
    await ok('POST', '/v1/units', { code: 'credits', scale: 0 }, 201);
    await ok('POST', '/v1/customers', { id: 'acme' }, 201);
    const walletView = await ok('POST', '/v1/wallets', { ...wallet, usagePeriod: { period: 'P1M', anchor: iso(t0) } });
    assert.deepEqual(walletView.usagePeriod, { period: 'P1M', anchor: iso(t0) });
    const plan = await ok('POST', '/v1/grants', { ...wallet, amount: '1000', category: 'paid', recurrencePeriod: 'P1M', resetMaxRollover: '200' }, 201);
    assert.equal(plan.source, 'recurring');
    assert.equal(plan.recurrencePeriod, 'P1M');
    const promo = await ok('POST', '/v1/grants', { ...wallet, amount: '100', priority: 10, expiresAt: iso(t0 + 10 * DAY) }, 201);

    // Month 1: the promotional grant burns first, then expires mid-period with 50 left.
    await advance(t0 + DAY);
    await ok('POST', '/v1/debits', { ...wallet, amount: '50' }, 201);
    await advance(t0 + 15 * DAY);
    const debit = await ok('POST', '/v1/debits', { ...wallet, amount: '600' }, 201);
    assert.deepEqual(debit.allocations, [{ grantId: plan.id, amount: '600' }]);
    const midMonth = await balance();
    assert.deepEqual([midMonth.available, midMonth.usageInPeriod, midMonth.currentPeriodStart, midMonth.currentPeriodEnd], ['400', '650', iso(t0), iso(t1)]);

    await advance(t1 + 3_600_000);
    const month2 = await balance();
    assert.deepEqual([month2.available, month2.usageInPeriod, month2.currentPeriodStart, month2.currentPeriodEnd], ['1200', '0', iso(t1), iso(t2)]);
    const schedules = await ok('GET', '/v1/grant-schedules?customerId=acme');
    assert.equal(schedules.data.length, 1);
    assert.equal(schedules.data[0].issuedCount, 2);
    const grants = (await ok('GET', '/v1/grants?customerId=acme&limit=100')).data;
    const second = grants.find((grant: any) => grant.id !== plan.id && grant.scheduleId === plan.scheduleId);
    assert.ok(second, 'the schedule issued a second grant');
    assert.deepEqual(await entriesBetween(t0 + 10 * DAY, t1), [
      ['expiry', promo.id, '-50', iso(t0 + 10 * DAY)],
      ['debit', plan.id, '-600', iso(t0 + 15 * DAY)],
      ['expiry', plan.id, '-200', iso(t1)],
      ['grant', second.id, '1000', iso(t1)],
    ]);
    const firstAfterReset = await ok('GET', `/v1/grants/${plan.id}`);
    assert.deepEqual([firstAfterReset.available, firstAfterReset.expired, firstAfterReset.rolledOver], ['200', '200', '200']);
    verify();

    // Month 2: the carried 200 burns before the new grant (earlier effectiveAt).
    await advance(t1 + 5 * DAY);
    const big = await ok('POST', '/v1/debits', { ...wallet, amount: '1100' }, 201);
    assert.deepEqual(big.allocations, [
      { grantId: plan.id, amount: '200' },
      { grantId: second.id, amount: '900' },
    ]);
    await advance(t2 + 3_600_000);
    const month3 = await balance();
    assert.deepEqual([month3.available, month3.usageInPeriod], ['1100', '0']);
    verify();

    // Month 3: light use. The plan's grants carry at most 200 IN ALL: 50 + 1000 left → 200 carried,
    // the excess expiring oldest first.
    await advance(t2 + DAY);
    await ok('POST', '/v1/debits', { ...wallet, amount: '50' }, 201);
    await advance(t3 + 3_600_000);
    const month4 = await balance();
    assert.equal(month4.available, '1200');
    const thirdGrant = (await ok('GET', '/v1/grants?customerId=acme&limit=100')).data.find(
      (grant: any) => grant.scheduleId === plan.scheduleId && Date.parse(grant.effectiveAt) === t2,
    );
    const resetEntries = (await entriesBetween(t3, t3)).filter(([type]: string[]) => type === 'expiry');
    assert.deepEqual(resetEntries, [
      ['expiry', second.id, '-50', iso(t3)],
      ['expiry', thirdGrant.id, '-800', iso(t3)],
    ]);
    assert.equal((await ok('GET', `/v1/grants/${thirdGrant.id}`)).rolledOver, '200');
    verify();

    // The past stays exact across resets.
    assert.equal((await balance(t1 - 1)).available, '400');
    assert.equal((await balance(t1)).available, '1200');
    assert.deepEqual([(await balance(t1 + 6 * DAY)).available, (await balance(t1 + 6 * DAY)).usageInPeriod], ['100', '1100']);
    assert.equal((await balance(t3 - 1)).available, '1050');
  });
});

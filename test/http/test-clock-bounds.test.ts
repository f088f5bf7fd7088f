import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADVANCE_LIMITS, advanceTestClock } from '../../src/app/time-events.ts';
import { DAY, expectStatus, iso, startTestApi, type TestApi } from '../support/test-api.ts';

const YEAR = 365 * DAY;

/**
 * One test-clock advance does bounded work: a 60-year jump over a daily plan
 * books at most ADVANCE_LIMITS.maxBoundaries days per call, answers quickly,
 * never stalls /healthz, and says it is not complete; calling again continues
 * exactly where it stopped.
 */
describe('test-clock advance is bounded', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => api.close());

  it('a 60-year jump over a daily plan answers quickly, /healthz stays responsive, and the caller is told to continue', async () => {
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10', recurrencePeriod: 'P1D', resetMaxRollover: '5' });
    const target = iso(api.t0 + 60 * YEAR);

    // /healthz is polled all the while; each answer's latency is recorded.
    let advancing = true;
    const latencies: number[] = [];
    const poll = (async () => {
      while (advancing) {
        const started = performance.now();
        expectStatus(await api.get('/healthz', { key: null }), 200);
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const started = performance.now();
    const first = await api.post('/v1/test-clock/advance', { to: target });
    const took = performance.now() - started;
    advancing = false;
    await poll;

    const body = expectStatus(first, 200);
    assert.deepEqual(body, { object: 'test_clock', frozen: true, now: iso(api.t0 + ADVANCE_LIMITS.maxBoundaries * DAY), complete: false });
    assert.ok(took < 5000, `the advance answered in ${Math.round(took)} ms`);
    assert.ok(latencies.length >= 2, `/healthz answered ${latencies.length} times during the advance`);
    assert.ok(Math.max(...latencies) < 1000, `slowest /healthz during the advance: ${Math.round(Math.max(...latencies))} ms`);
    assert.equal(api.rows('SELECT COUNT(*) AS n FROM grants')[0].n, 1 + ADVANCE_LIMITS.maxBoundaries, 'one grant per day booked so far');

    // Again with the same target: the next bounded stretch, exactly where the last one stopped.
    const second = expectStatus(await api.post('/v1/test-clock/advance', { to: target }), 200);
    assert.deepEqual([second.now, second.complete], [iso(api.t0 + 2 * ADVANCE_LIMITS.maxBoundaries * DAY), false]);
    assert.equal(api.rows('SELECT COUNT(*) AS n FROM grants')[0].n, 1 + 2 * ADVANCE_LIMITS.maxBoundaries);
    // Carry 5, plus the new day's 10, at every boundary.
    assert.equal((await api.balance(wallet)).available, '15');

    const third = expectStatus(await api.post('/v1/test-clock/advance', { to: iso(api.t0 + 2 * ADVANCE_LIMITS.maxBoundaries * DAY + 5 * DAY) }), 200);
    assert.deepEqual([third.now, third.complete], [iso(api.t0 + 2 * ADVANCE_LIMITS.maxBoundaries * DAY + 5 * DAY), true], 'a short advance completes at once');
  });
});

describe('test-clock advance books a bounded number of wallets per call', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => api.close());

  it('books at most maxWalletSteps wallet transactions per call; the next call books the rest', async () => {
    const wallets = [];
    const at = await api.now();
    for (let index = 0; index < 5; index += 1) {
      const wallet = await api.wallet();
      await api.grant({ ...wallet, amount: '3', expiresAt: iso(at + DAY) });
      wallets.push(wallet);
    }
    const context = { environment: (await api.dependencies.store.read((repository) => repository.accounts.getEnvironment(environmentId(api))))!, requestId: 'test' };
    const limits = { ...ADVANCE_LIMITS, maxWalletSteps: 3 };
    const expiries = () => Number(api.rows("SELECT COUNT(*) AS n FROM ledger_entries WHERE type = 'expiry'")[0].n);
    const before = expiries();
    const booked = () => expiries() - before;
    const first = await advanceTestClock(api.dependencies, context, at + 2 * DAY, limits);
    assert.deepEqual([first.environment.frozenClockAt, first.complete], [at + 2 * DAY, false]);
    assert.equal(booked(), 3);
    const second = await advanceTestClock(api.dependencies, { ...context, environment: first.environment }, at + 2 * DAY, limits);
    assert.equal(second.complete, true);
    assert.equal(booked(), 5);
    for (const wallet of wallets) assert.equal((await api.balance(wallet)).available, '0');
  });
});

function environmentId(api: TestApi): string {
  return api.rows("SELECT id FROM environments WHERE mode = 'test'")[0].id;
}

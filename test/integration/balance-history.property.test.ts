import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DAY, expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/*
 * Balance history and runway against the ledger. Random wallets are built over
 * HTTP (grants that may expire, debits, holds and releases, voids, clock moves);
 * then for a random range and interval:
 * - every point is GET /v1/balances at its end, and the last point is the balance at `to`;
 * - per bucket, (net + held) moves by granted − consumed − expired − voided;
 * - the buckets' flows add up to the ledger's entries in (from, to], summed here
 *   from GET /v1/ledger-entries by a reference that shares no code with the server.
 * Runway: without expiring credit, depletesAt is exactly now + available × window / burned.
 */

const SCALE = 10n ** 10n;
const toFixed = (text: string): bigint => {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * SCALE + BigInt(fraction.padEnd(10, '0'));
  return text.startsWith('-') ? -value : value;
};

type Step =
  | { kind: 'grant'; amount: number; expiresInHours: number | null }
  | { kind: 'debit'; amount: number }
  | { kind: 'hold'; amount: number; release: boolean }
  | { kind: 'void' }
  | { kind: 'wait'; hours: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), amount: fc.integer({ min: 1, max: 500 }), expiresInHours: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }) }),
  fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ kind: fc.constant('hold' as const), amount: fc.integer({ min: 1, max: 100 }), release: fc.boolean() }),
  fc.record({ kind: fc.constant('void' as const) }),
  fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 60 }) }),
);

/** The reference: what a set of ledger entries moved, by the ledger's own definitions. */
function ledgerFlows(entries: Json[]) {
  const sum = (types: string[], field: 'amount' | 'heldAmount' = 'amount') =>
    entries.filter((entry) => types.includes(entry.type)).reduce((total: bigint, entry) => total + toFixed(entry[field]), 0n);
  return { granted: sum(['grant', 'adjustment']), consumed: -sum(['debit', 'overdraft']) - sum(['capture'], 'heldAmount'), expired: -sum(['expiry']), voided: -sum(['void']) };
}

async function allEntries(api: TestApi, customerId: string): Promise<Json[]> {
  const entries: Json[] = [];
  let cursor = '';
  for (;;) {
    const page = expectStatus(await api.get(`/v1/ledger-entries?customerId=${customerId}&limit=100${cursor}`), 200);
    entries.push(...page.data);
    if (!page.hasMore) return entries;
    cursor = `&startingAfter=${page.data.at(-1).id}`;
  }
}

describe('balance history and runway against the ledger (property)', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  async function buildWallet(steps: Step[]) {
    const wallet = await api.wallet({ scale: 2 });
    const start = await api.now();
    let now = start;
    const grants: string[] = [];
    for (const step of steps) {
      if (step.kind === 'wait') {
        now += step.hours * HOUR;
        await api.advanceClock(now);
      } else if (step.kind === 'grant') {
        const body = { ...wallet, amount: String(step.amount), ...(step.expiresInHours ? { expiresAt: iso(now + step.expiresInHours * HOUR) } : {}) };
        grants.push((await api.grant(body)).id);
      } else if (step.kind === 'debit') {
        await api.post('/v1/debits', { ...wallet, amount: String(step.amount) });
      } else if (step.kind === 'hold') {
        const hold = await api.post('/v1/holds', { ...wallet, amount: String(step.amount), ttlSeconds: 7200 });
        if (hold.status === 201) await api.post(`/v1/holds/${hold.body.id}/${step.release ? 'release' : 'capture'}`, {});
      } else if (grants.length > 0) {
        await api.post(`/v1/grants/${grants.shift()}/void`, {});
      }
    }
    return { wallet, start, now };
  }

  it('points are balances at their ends; flows add up to the ledger over the range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('hour', 'day', 'week', 'month'),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        async (steps, interval, fromPercent, spanPercent) => {
          const { wallet, start, now } = await buildWallet(steps);
          const span = now - start + HOUR;
          const from = start - HOUR + Math.floor((span * fromPercent) / 100);
          const to = Math.min(now, from + 1 + Math.floor(((now - from) * spanPercent) / 100));
          const hoursLimit = interval === 'hour' ? Math.min(to, from + 300 * HOUR) : to;
          const url = `/v1/balances/history?customerId=${wallet.customerId}&unit=${wallet.unit}&from=${iso(from)}&to=${iso(hoursLimit)}&interval=${interval}`;
          if (hoursLimit <= from) return;
          const history = expectStatus(await api.get(url), 200);
          const last = history.data.at(-1);
          const atTo = await api.balance({ ...wallet, at: hoursLimit });
          assert.deepEqual([last.end, last.available, last.held, last.net], [iso(hoursLimit), atTo.available, atTo.held, atTo.net]);
          let previous = history.opening;
          for (const point of history.data) {
            const moved = toFixed(point.net) + toFixed(point.held) - toFixed(previous.net) - toFixed(previous.held);
            assert.equal(moved, toFixed(point.granted) - toFixed(point.consumed) - toFixed(point.expired) - toFixed(point.voided), `bucket ending ${point.end}`);
            previous = point;
          }
          const sample = history.data[Math.floor(history.data.length / 2)];
          const atSample = await api.balance({ ...wallet, at: sample.end });
          assert.deepEqual([sample.available, sample.held], [atSample.available, atSample.held]);
          const inRange = (await allEntries(api, wallet.customerId)).filter((entry) => Date.parse(entry.effectiveAt) > from && Date.parse(entry.effectiveAt) <= hoursLimit);
          const expected = ledgerFlows(inRange);
          for (const flow of ['granted', 'consumed', 'expired', 'voided'] as const) {
            const total = history.data.reduce((sum: bigint, point: Json) => sum + toFixed(point[flow]), 0n);
            assert.equal(total, expected[flow], `${flow} over the range`);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('runway without expiring credit: depletesAt = now + available × window / burned, rounded up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ amount: fc.integer({ min: 1, max: 40 }), hoursLater: fc.integer({ min: 1, max: 100 }) }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 1, max: 40 }),
        async (grantAmounts, debits, windowDays) => {
          const wallet = await api.wallet({ scale: 2 });
          let now = await api.now();
          const created = now;
          for (const amount of grantAmounts) await api.grant({ ...wallet, amount: String(amount) });
          for (const debit of debits) {
            now += debit.hoursLater * HOUR;
            await api.advanceClock(now);
            await api.post('/v1/debits', { ...wallet, amount: String(debit.amount) });
          }
          const runway = expectStatus(await api.get(`/v1/balances/runway?customerId=${wallet.customerId}&unit=${wallet.unit}&windowDays=${windowDays}`), 200);
          const windowStart = Math.max(created, now - windowDays * DAY);
          const burned = ledgerFlows((await allEntries(api, wallet.customerId)).filter((entry) => Date.parse(entry.effectiveAt) > windowStart)).consumed;
          const available = toFixed((await api.balance(wallet)).available);
          const windowMs = BigInt(now - windowStart);
          assert.deepEqual([runway.burnRate.windowStart, toFixed(runway.burnRate.consumed), runway.available], [iso(windowStart), burned, (await api.balance(wallet)).available]);
          if (available === 0n) assert.equal(runway.depletesAt, iso(now));
          else if (burned === 0n || windowMs === 0n) assert.equal(runway.depletesAt, null);
          else assert.equal(runway.depletesAt, iso(now + Number((available * windowMs + burned - 1n) / burned)));
          assert.equal(toFixed(runway.burnRate.perDay), windowMs === 0n ? 0n : (burned * BigInt(DAY)) / windowMs);
        },
      ),
      { numRuns: 25 },
    );
  });
});

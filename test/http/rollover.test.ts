import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { expectStatus, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/*
 * Issue 13, over HTTP with the test clock: floors on drained grants, a jump equals
 * stepping, past reads of rolledOver; and the five rollover semantics docs/rollover.md
 * states (held credit, a plan's top-up, rolledOver without cap or floor, a boundary
 * at recurrenceEndsAt, grants before a future anchor). Each test runs on its own
 * server, so each can start its clock at docs/rollover.md's Jan 31.
 */

const utc = (text: string) => Date.parse(text);
const JAN31 = utc('2031-01-31T09:00:00.000Z');
const FEB28 = utc('2031-02-28T09:00:00.000Z');
const MAR31 = utc('2031-03-31T09:00:00.000Z');
const APR30 = utc('2031-04-30T09:00:00.000Z');

const apis: TestApi[] = [];
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

/** A server whose test clock is at Jan 31, with a wallet (scale 0) whose usage period is P1M from `anchor`. */
async function monthlyWallet(anchor: number | null = JAN31): Promise<{ api: TestApi; wallet: { customerId: string; unit: string } }> {
  const api = await startTestApi();
  apis.push(api);
  await api.advanceClock(JAN31);
  const wallet = await api.wallet({ scale: 0 });
  if (anchor !== null) expectStatus(await api.post('/v1/wallets', { ...wallet, usagePeriod: { period: 'P1M', anchor: iso(anchor) } }), 200);
  return { api, wallet };
}

/** The wallet's ledger, oldest first, as [type, grantId, amount, balanceAfter, effectiveAt]. */
async function ledger(api: TestApi, wallet: { customerId: string; unit: string }): Promise<Json[]> {
  const query = new URLSearchParams({ customerId: wallet.customerId, unit: wallet.unit, limit: '100' });
  const page = expectStatus(await api.get(`/v1/ledger-entries?${query}`), 200);
  assert.equal(page.hasMore, false);
  return [...page.data].reverse().map((entry: Json) => [entry.type, entry.grantId, entry.amount, entry.balanceAfter, entry.effectiveAt]);
}

async function grantView(api: TestApi, grantId: string): Promise<Json> {
  return expectStatus(await api.get(`/v1/grants/${grantId}`), 200);
}

/** Each grant of a balance, by ID: [available, held, rolledOver]. */
function grantParts(balance: Json): Record<string, [string, string, string]> {
  return Object.fromEntries(balance.grants.map((grant: Json) => [grant.grantId, [grant.available, grant.held, grant.rolledOver]]));
}

describe('issue 13: floors on grants with nothing left', () => {
  for (const [used, topUp] of [
    ['100', '30'],
    ['99', '29'],
  ] as const) {
    it(`a floor of 30 tops up a grant of 100 after a debit of ${used}: 30 available, with an adjustment of +${topUp}`, async () => {
      const { api, wallet } = await monthlyWallet();
      const grant = await api.grant({ ...wallet, amount: '100', resetMinRollover: '30' });
      await api.debit({ ...wallet, amount: used });
      await api.advanceClock(FEB28);
      assert.equal((await api.balance(wallet)).available, '30');
      assert.deepEqual((await ledger(api, wallet)).at(-1), ['adjustment', grant.id, topUp, '30', iso(FEB28)]);
      const after = await grantView(api, grant.id);
      assert.deepEqual([after.amount, after.available, after.rolledOver], [String(100 + Number(topUp)), '30', '30']);

      // Drained again, it comes back again at the next boundary, and a past read shows each month as it was.
      await api.advanceClock(FEB28 + 1000);
      await api.debit({ ...wallet, amount: '30' });
      await api.advanceClock(MAR31);
      assert.equal((await api.balance(wallet)).available, '30');
      // A balance lists grants that can be spent, are to come or hold credit: a used-up one is left out.
      const left = 100 - Number(used);
      assert.deepEqual(grantParts(await api.balance({ ...wallet, at: FEB28 - 1 })), left > 0 ? { [grant.id]: [String(left), '0', '0'] } : {});
      assert.deepEqual(grantParts(await api.balance({ ...wallet, at: FEB28 })), { [grant.id]: ['30', '0', '30'] });
      assert.deepEqual(grantParts(await api.balance({ ...wallet, at: FEB28 + 1000 })), {});
      assert.deepEqual(grantParts(await api.balance({ ...wallet, at: MAR31 })), { [grant.id]: ['30', '0', '60'] });
    });
  }

  it('a recurring plan with a floor whose grants are all used is topped up on its newest grant', async () => {
    const { api, wallet } = await monthlyWallet();
    const first = await api.grant({ ...wallet, amount: '100', recurrencePeriod: 'P1M', resetMinRollover: '30' });
    await api.debit({ ...wallet, amount: '100' });
    await api.advanceClock(FEB28);
    // Feb 28: G1 (used up) is topped up to 30, then G2 of 100 is issued.
    assert.equal((await api.balance(wallet)).available, '130');
    await api.debit({ ...wallet, amount: '130' });
    await api.advanceClock(MAR31);
    const entries = await ledger(api, wallet);
    const second = entries.find(([type, grantId]) => type === 'grant' && grantId !== first.id)![1];
    const atMarch = entries.filter((entry) => entry[4] === iso(MAR31));
    // Both used up: the top-up goes to the newest grant of the plan due at the boundary (G2), then G3 is issued.
    assert.deepEqual(atMarch.slice(0, 1), [['adjustment', second, '30', '30', iso(MAR31)]]);
    assert.equal((await api.balance(wallet)).available, '130');
  });
});

describe('issue 13: a jump books exactly what stepping books', () => {
  /** Two plans of 100 a month, one carrying nothing and one at most 150; the ledger with grants named by plan and month. */
  async function twoPlans(stops: number[]): Promise<Json[]> {
    const { api, wallet } = await monthlyWallet();
    const planA = await api.grant({ ...wallet, amount: '100', recurrencePeriod: 'P1M', resetMaxRollover: '0' });
    const planB = await api.grant({ ...wallet, amount: '100', recurrencePeriod: 'P1M', resetMaxRollover: '150' });
    for (const stop of stops) await api.advanceClock(stop);
    const query = new URLSearchParams({ customerId: wallet.customerId, unit: wallet.unit, limit: '100' });
    const grants = expectStatus(await api.get(`/v1/grants?${query}`), 200).data as Json[];
    const names = new Map(grants.map((grant) => [grant.id, `${grant.scheduleId === planA.scheduleId ? 'A' : grant.scheduleId === planB.scheduleId ? 'B' : '?'} ${grant.effectiveAt.slice(0, 10)}`]));
    return (await ledger(api, wallet)).map(([type, grantId, amount, balanceAfter, effectiveAt]) => [type, names.get(grantId), amount, balanceAfter, effectiveAt]);
  }

  it('two plans with different caps: straight to Mar 31 equals stopping at Feb 28 first, entry by entry', async () => {
    const jumped = await twoPlans([MAR31 + 1000]);
    const stepped = await twoPlans([FEB28, MAR31, MAR31 + 1000]);
    assert.deepEqual(stepped, jumped);
    // Mar 31: plan A (created first) resets before plan B, whichever grants each step loaded.
    assert.deepEqual(
      jumped.filter((entry) => entry[4] === iso(MAR31) && entry[0] === 'expiry'),
      [
        ['expiry', 'A 2031-02-28', '-100', '200', iso(MAR31)],
        ['expiry', 'B 2031-01-31', '-50', '150', iso(MAR31)],
      ],
    );
  });
});

describe('issue 13: a past balance shows each grant as it was then', () => {
  it("docs/rollover.md's worked example, read as of each month: rolledOver as it was then", async () => {
    const { api, wallet } = await monthlyWallet();
    const g1 = await api.grant({ ...wallet, amount: '1000', category: 'paid', recurrencePeriod: 'P1M', resetMaxRollover: '200' });
    await api.grant({ ...wallet, amount: '100', priority: 10, expiresAt: iso(JAN31 + 10 * 86_400_000) });
    await api.advanceClock(JAN31 + 86_400_000);
    await api.debit({ ...wallet, amount: '50' });
    await api.advanceClock(JAN31 + 15 * 86_400_000);
    await api.debit({ ...wallet, amount: '600' });
    await api.advanceClock(MAR31 - 26 * 86_400_000);
    await api.debit({ ...wallet, amount: '1100' });
    await api.advanceClock(MAR31 + 86_400_000);
    await api.debit({ ...wallet, amount: '50' });
    await api.advanceClock(APR30 + 1000);

    const rolledOver = async (grantId: string, at: number) => (await api.balance({ ...wallet, at })).grants.find((grant: Json) => grant.grantId === grantId)?.rolledOver;
    assert.equal(await rolledOver(g1.id, utc('2031-02-01T00:00:00.000Z')), '0');
    assert.equal(await rolledOver(g1.id, FEB28 - 1), '0');
    assert.equal(await rolledOver(g1.id, FEB28), '200');
    const g2 = (await ledger(api, wallet)).find(([type, , , , at]) => type === 'grant' && at === iso(FEB28))![1];
    assert.equal(await rolledOver(g2, MAR31 - 1), '0');
    assert.equal(await rolledOver(g2, MAR31), '100');
    const g3 = (await ledger(api, wallet)).find(([type, , , , at]) => type === 'grant' && at === iso(MAR31))![1];
    assert.equal(await rolledOver(g3, APR30 - 1), '0');
    assert.equal(await rolledOver(g3, APR30), '200', 'Apr 30: 1050 left in all, 200 carried, on G3 (G2 was used up)');
    const now = await api.balance(wallet);
    const past = await api.balance({ ...wallet, at: APR30 + 500 });
    assert.deepEqual(past.grants, now.grants, 'a read as of now equals the current read, field by field');
    const current = await grantView(api, g1.id);
    assert.equal(current.rolledOver, '200');
  });
});

describe('rollover semantics docs/rollover.md states', () => {
  it('credit on hold at a reset is not "left": it neither carries nor expires, and comes back when released', async () => {
    const { api, wallet } = await monthlyWallet();
    const grant = await api.grant({ ...wallet, amount: '100', resetMaxRollover: '10' });
    const hold = await api.hold({ ...wallet, amount: '60', expiresAt: iso(FEB28 + 86_400_000) });
    await api.advanceClock(FEB28);
    // Left: 40, of which 10 carries; the 60 held is untouched.
    assert.deepEqual(grantParts(await api.balance(wallet)), { [grant.id]: ['10', '60', '10'] });
    expectStatus(await api.post(`/v1/holds/${hold.id}/release`, {}), 200);
    assert.deepEqual(grantParts(await api.balance(wallet)), { [grant.id]: ['70', '0', '10'] });
  });

  it('a grant with neither cap nor floor never resets: everything carries and rolledOver stays 0', async () => {
    const { api, wallet } = await monthlyWallet();
    const grant = await api.grant({ ...wallet, amount: '100' });
    await api.advanceClock(MAR31);
    assert.deepEqual(grantParts(await api.balance(wallet)), { [grant.id]: ['100', '0', '0'] });
    assert.deepEqual((await ledger(api, wallet)).map(([type]) => type), ['grant']);
  });

  it('a boundary exactly at recurrenceEndsAt issues nothing', async () => {
    const { api, wallet } = await monthlyWallet(null);
    await api.grant({ ...wallet, amount: '100', recurrencePeriod: 'P1M', recurrenceEndsAt: iso(MAR31) });
    await api.advanceClock(APR30 + 1000);
    const issued = (await ledger(api, wallet)).filter(([type]) => type === 'grant').map((entry) => entry[4]);
    assert.deepEqual(issued, [iso(JAN31), iso(FEB28)]);
  });

  it('a grant created before a future usage-period anchor resets at the anchor itself', async () => {
    const anchor = utc('2031-02-15T00:00:00.000Z');
    const { api, wallet } = await monthlyWallet(anchor);
    const grant = await api.grant({ ...wallet, amount: '100', resetMaxRollover: '10' });
    await api.advanceClock(MAR31);
    assert.deepEqual((await ledger(api, wallet)).slice(1), [['expiry', grant.id, '-90', '10', iso(anchor)]]);
    // Then on the anchor's day each month (Mar 15: 10 left, under the cap, carries again).
    assert.deepEqual(grantParts(await api.balance(wallet)), { [grant.id]: ['10', '0', '20'] });
    assert.deepEqual(grantParts(await api.balance({ ...wallet, at: anchor })), { [grant.id]: ['10', '0', '10'] });
  });
});

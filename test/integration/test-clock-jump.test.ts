import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createCustomer, createUnit, upsertWallet } from '../../src/app/accounts.ts';
import { ensureEnvironment } from '../../src/app/api-keys.ts';
import { getBalance } from '../../src/app/balances.ts';
import { type RequestContext } from '../../src/app/dependencies.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { createGrant } from '../../src/app/grants.ts';
import { advanceTestClock } from '../../src/app/time-events.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { boundary, parsePeriod } from '../../src/domain/periods.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'creditbook-jump-'));
after(() => rmSync(directory, { recursive: true, force: true }));

const anchor = Date.UTC(2032, 0, 31, 12);
const monthly = parsePeriod('P1M');
const ignore = () => ({ status: 200, body: null });

/** One wallet with a recurring plan (cap), a floored grant, an expiring grant and a schedule that ends. */
async function setUp(name: string) {
  const store = new SqliteStore(join(directory, `${name}.db`));
  await store.migrate();
  const dependencies = composeDependencies(store);
  let context: RequestContext = { environment: await ensureEnvironment(dependencies, 'test'), requestId: name };
  context = { ...context, environment: (await advanceTestClock(dependencies, context, anchor)).environment };
  const wallet = { customerId: 'acme', unit: 'credits' };
  await createUnit(dependencies, context, { code: 'credits', scale: 2 });
  await createCustomer(dependencies, { context, input: { id: 'acme' }, present: ignore });
  await upsertWallet(dependencies, { context, input: { ...wallet, usagePeriod: { period: 'P1M', anchor } }, present: ignore });
  await createGrant(dependencies, { context, input: { ...wallet, amount: '1000', recurrencePeriod: 'P1M', resetMaxRollover: '200' }, present: ignore });
  await createGrant(dependencies, { context, input: { ...wallet, amount: '100', resetMinRollover: '150.5' }, present: ignore });
  await createGrant(dependencies, { context, input: { ...wallet, amount: '40', expiresAt: boundary(anchor, monthly, 4) + 1234 }, present: ignore });
  await createGrant(dependencies, {
    context,
    input: { ...wallet, amount: '10', recurrencePeriod: 'P1W', recurrenceEndsAt: boundary(anchor, monthly, 3) },
    present: ignore,
  });
  return { store, dependencies, context, wallet };
}

async function ledgerShape(store: SqliteStore) {
  return store.read(async (repository) => {
    const [walletRow] = await repository.wallets.allIds();
    const entries = await repository.ledger.loadForWallet(walletRow!.id);
    return entries.map((entry) => [entry.sequence, entry.type, formatAmount(entry.amount), entry.effectiveAt]);
  });
}

it('advancing the test clock 14 months at once books the same as stepping a month at a time', async () => {
  const jumped = await setUp('jumped');
  const stepped = await setUp('stepped');
  const end = boundary(anchor, monthly, 14) + 60_000;

  await advanceTestClock(jumped.dependencies, jumped.context, end);
  let context = stepped.context;
  for (let month = 1; month <= 14; month += 1) {
    context = { ...context, environment: (await advanceTestClock(stepped.dependencies, context, boundary(anchor, monthly, month))).environment };
  }
  await advanceTestClock(stepped.dependencies, context, end);

  const jumpedEntries = await ledgerShape(jumped.store);
  assert.deepEqual(jumpedEntries, await ledgerShape(stepped.store));
  // 15 monthly issues, 14 capped resets, 13 weekly issues, a floor top-up and an expiry: far from trivial.
  assert.ok(jumpedEntries.length >= 45, `only ${jumpedEntries.length} entries`);
  const frozenAtEnd = (run: typeof jumped) => ({ ...run.context, environment: { ...run.context.environment, frozenClockAt: end } });
  const jumpedBalance = (await getBalance(jumped.dependencies, frozenAtEnd(jumped), jumped.wallet)).balance;
  const steppedBalance = (await getBalance(stepped.dependencies, frozenAtEnd(stepped), stepped.wallet)).balance;
  assert.equal(formatAmount(jumpedBalance.available), formatAmount(steppedBalance.available));
  // Recurring: 200 carried + 1000 new; the floored grant: 150.5; the weekly schedule's 13 issues (no cap) carry in full.
  assert.equal(formatAmount(jumpedBalance.available), String(1200 + 150.5 + 130));
  for (const run of [jumped, stepped]) {
    const report = await verifyAll(run.dependencies);
    assert.deepEqual(report.problems, []);
    await run.store.close();
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createCustomer, createUnit } from '../../src/app/accounts.ts';
import { ensureEnvironment } from '../../src/app/api-keys.ts';
import { getBalance } from '../../src/app/balances.ts';
import { type RequestContext } from '../../src/app/dependencies.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { createGrant, getGrant, listGrants } from '../../src/app/grants.ts';
import { createHold } from '../../src/app/holds.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const HOUR = 3_600_000;
const directory = mkdtempSync(join(tmpdir(), 'creditbook-read-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** Reads must agree with each other even when the sweep has not booked a due hold expiry or grant expiry yet. */
it('a grant read agrees with the balance before the sweep books a hold expiry', async () => {
  const store = new SqliteStore(join(directory, 'read.db'));
  await store.migrate();
  const dependencies = composeDependencies(store);
  const environment = await ensureEnvironment(dependencies, 'test');
  const t0 = Date.UTC(2030, 0, 1);
  const at = (instant: number): RequestContext => ({ environment: { ...environment, frozenClockAt: instant }, requestId: 'test' });
  const ignore = () => ({ status: 200, body: null });
  await createUnit(dependencies, at(t0), { code: 'credits', scale: 0 });
  await createCustomer(dependencies, { context: at(t0), input: { id: 'acme' }, present: ignore });
  const wallet = { customerId: 'acme', unit: 'credits' };
  let grantId = '';
  await createGrant(dependencies, {
    context: at(t0),
    input: { ...wallet, amount: '100', expiresAt: t0 + 2 * HOUR },
    present: (grant) => {
      grantId = grant.id;
      return ignore();
    },
  });
  await createHold(dependencies, { context: at(t0), input: { ...wallet, amount: '60', ttlSeconds: 3600 }, present: ignore });

  // No write happens after this point: nothing is booked, every read projects.
  const duringHold = await getGrant(dependencies, at(t0 + 30 * 60_000), grantId);
  assert.deepEqual([duringHold.grant.available, duringHold.grant.held].map(formatAmount), ['40', '60']);

  const afterHoldExpiry = await getGrant(dependencies, at(t0 + 90 * 60_000), grantId);
  const balance = await getBalance(dependencies, at(t0 + 90 * 60_000), wallet);
  assert.deepEqual([afterHoldExpiry.grant.available, afterHoldExpiry.grant.held].map(formatAmount), ['100', '0']);
  assert.equal(formatAmount(balance.balance.available), '100');

  const afterExpiry = await listGrants(dependencies, at(t0 + 3 * HOUR), { includeVoided: false }, { limit: 10, startingAfter: null });
  const listed = afterExpiry.page.data[0]!;
  assert.deepEqual([listed.available, listed.held, listed.expired].map(formatAmount), ['0', '0', '100']);
  await store.close();
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { fingerprintOf, IDEMPOTENCY_RETENTION_MS, purgeExpiredIdempotencyKeys } from '../../src/app/idempotency.ts';
import { resolveOperationReference } from '../../src/app/caller-operation-ids.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { listLedgerEntries } from '../../src/app/ledger-reads.ts';
import { forEachStore } from '../support/stores.ts';
import { balanceOf, bodyOf, createFixture, onStore, presentDebit, presentGrant, presentHold, rejectsWith, T0, walletOf, type Fixture } from './fixtures.ts';

/** A debit under the caller's own operation id (what the Chargebee dialect sends for `id`). */
function debitWithId(fixture: Fixture, id: string, amount: string, walletKey = '') {
  const input = { ...walletOf(fixture, walletKey), amount };
  return createDebit(fixture.dependencies, { context: fixture.context, input, callerOperation: { id, fingerprint: fingerprintOf('test.debit', input) }, present: presentDebit });
}

async function grant(fixture: Fixture, amount: string, walletKey = '') {
  await createGrant(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture, walletKey), amount }, present: presentGrant });
}

async function debitCount(fixture: Fixture): Promise<number> {
  const entries = await listLedgerEntries(fixture.dependencies, fixture.context, { customerId: fixture.customer.id }, { limit: 1000, startingAfter: null });
  return entries.data.filter((entry) => entry.type === 'debit').length;
}

forEachStore('caller operation ids', (target) => {
  it('books once for concurrent requests with one id across two nodes, and every sender gets the first answer', async () => {
    const fixture = await createFixture(await target.open());
    const otherNode = onStore(fixture, await target.open());
    await grant(fixture, '100');
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => debitWithId(index % 2 === 0 ? fixture : otherNode, 'op-1', '7')));
    assert.equal(results.filter((result) => !result.replayed).length, 1);
    for (const result of results) assert.deepEqual(result.body, results[0]!.body);
    assert.equal((await balanceOf(fixture)).available, '93');
    assert.equal(await debitCount(fixture), 1);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('compares a repeat forever, past the idempotency keys purge, and conflicts on other parameters', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '100');
    const first = await debitWithId(fixture, 'op-2', '5');
    fixture.clock.set(T0 + 10 * IDEMPOTENCY_RETENTION_MS);
    await purgeExpiredIdempotencyKeys(fixture.dependencies);
    const again = await debitWithId(fixture, 'op-2', '5');
    assert.deepEqual([again.replayed, again.body], [true, first.body]);
    const conflict = await rejectsWith(debitWithId(fixture, 'op-2', '6'), 'state_conflict');
    assert.equal(conflict.param, 'operationId');
    assert.equal((await balanceOf(fixture)).available, '95');
  });

  it('keeps ids per wallet, resolves them, and records a failed request nowhere', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '10');
    await grant(fixture, '10', 'second');
    const onDefault = bodyOf(await debitWithId(fixture, 'op-3', '1'));
    assert.equal((await resolveOperationReference(fixture.dependencies, fixture.context, 'op-3', 'id')).operationId, onDefault.id);
    assert.deepEqual(await resolveOperationReference(fixture.dependencies, fixture.context, String(onDefault.id), 'id'), { operationId: onDefault.id, callerId: 'op-3' });
    await debitWithId(fixture, 'op-3', '1', 'second');
    assert.equal((await rejectsWith(resolveOperationReference(fixture.dependencies, fixture.context, 'op-3', 'id'), 'state_conflict')).param, 'id');
    // An insufficient balance rolls back: the id stays free for the next request.
    await rejectsWith(debitWithId(fixture, 'op-4', '50'), 'insufficient_balance');
    assert.equal((await debitWithId(fixture, 'op-4', '2')).replayed, false);
    assert.deepEqual([(await balanceOf(fixture)).available, (await balanceOf(fixture, { walletKey: 'second' })).available], ['7', '9']);
  });

  it('names a hold, its capture and a release by the caller ids', async () => {
    const fixture = await createFixture(await target.open());
    await grant(fixture, '10');
    const input = { ...walletOf(fixture), amount: '4' };
    const hold = bodyOf(await createHold(fixture.dependencies, { context: fixture.context, input, callerOperation: { id: 'auth', fingerprint: 'f1' }, present: presentHold }));
    const capture = () =>
      endHold(fixture.dependencies, { context: fixture.context, holdId: String(hold.id), action: { kind: 'capture', amount: '1' }, callerOperation: { id: 'cap', fingerprint: 'f2' }, present: presentHold });
    const results = await Promise.all([capture(), capture()]);
    assert.deepEqual(results.map((result) => result.replayed).sort(), [false, true]);
    const debitId = bodyOf(results[0]!).debitId;
    assert.match(String(debitId), /^dbt_/);
    for (const result of results) assert.equal(bodyOf(result).debitId, debitId, 'one capture, answered to both');
    assert.equal((await resolveOperationReference(fixture.dependencies, fixture.context, 'cap', 'id')).operationId, debitId);
    assert.equal((await resolveOperationReference(fixture.dependencies, fixture.context, 'auth', 'id')).operationId, hold.id);
    assert.equal((await balanceOf(fixture)).available, '9');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idAfter, lastDebitAfter, nextDebitId } from './debit-ids.ts';
import { createIdFactory } from './ids.ts';

describe('debit IDs', () => {
  it('takes the ID right above another, carrying past the alphabet’s end', () => {
    assert.equal(idAfter('dbt_01m96pcd7k7bjbh6tpw940qrx2'), 'dbt_01m96pcd7k7bjbh6tpw940qrx3');
    assert.equal(idAfter('dbt_01m96pcd7k7bjbh6tpw940qrhz'), 'dbt_01m96pcd7k7bjbh6tpw940qrj0');
    assert.equal(idAfter('dbt_0000000000000000000000zzzz'), 'dbt_00000000000000000000010000');
    assert.throws(() => idAfter('dbt_zz'), /No ID sorts right above/);
    for (const id of ['dbt_01m96pcd7k7bjbh6tpw940qrx2', 'dbt_01m96pcd7k7bjbh6tpw940qrhz', 'dbt_0000000000000000000000zzzz']) assert.ok(idAfter(id) > id);
  });

  it('is fresh unless the wallet’s last debit is as high, then just above it', () => {
    const behind = { newId: createIdFactory(() => Date.UTC(2026, 0, 1)) };
    const ahead = { newId: createIdFactory(() => Date.UTC(2026, 11, 1)) };
    const fresh = nextDebitId(ahead, { lastDebitId: null });
    assert.ok(fresh.startsWith('dbt_'));
    assert.equal(nextDebitId(behind, { lastDebitId: fresh }), idAfter(fresh));
    const later = nextDebitId({ newId: createIdFactory(() => Date.UTC(2026, 11, 2)) }, { lastDebitId: fresh });
    assert.ok(later > idAfter(fresh), 'a clock ahead of the last debit gives a fresh ID');
  });

  it('remembers the highest debit an operation made, booked or not', () => {
    const entry = (debitId: string | null) => ({ sequence: 1, type: 'debit' as const, grantId: 'g', debitId, holdId: null, amount: -1n, heldAmount: 0n, balanceAfter: 0n, heldAfter: 0n, effectiveAt: 0 });
    assert.equal(lastDebitAfter('dbt_2', { entries: [entry(null)], events: [] }), 'dbt_2');
    assert.equal(lastDebitAfter(null, { entries: [entry('dbt_3'), entry(null)], events: [] }), 'dbt_3');
    // A debit that took nothing books no entry; its event still names it.
    assert.equal(lastDebitAfter('dbt_3', { entries: [], events: [{ type: 'debit.created', debitId: 'dbt_4' }] }), 'dbt_4');
    assert.equal(lastDebitAfter('dbt_5', { entries: [entry('dbt_4')], events: [] }), 'dbt_5');
  });
});

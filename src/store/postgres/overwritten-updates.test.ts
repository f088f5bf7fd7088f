import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutOverwrittenUpdates } from './overwritten-updates.ts';

const wallet = (id: string, balance: string) => ({ name: 'w', text: 'UPDATE wallets SET balance = $1, sequence = $2 WHERE id = $3', values: [balance, '1', id] });
const walletBalance = (id: string, balance: string) => ({ name: 'b', text: 'UPDATE wallets SET balance = $1 WHERE id = $2', values: [balance, id] });
const grant = (id: string, available: string) => ({ name: 'g', text: 'UPDATE grants SET available = $1 WHERE id = $2', values: [available, id] });
const entry = (id: string) => ({ name: 'e', text: 'INSERT INTO ledger_entries (id, amount) VALUES ($1, $2)', values: [id, '-1'] });

describe('withoutOverwrittenUpdates', () => {
  it('keeps only the last of the same UPDATE of one row, across inserts into other tables', () => {
    const writes = [grant('g1', '9'), entry('e1'), wallet('w1', '9'), grant('g1', '8'), entry('e2'), wallet('w1', '8')];
    assert.deepEqual(withoutOverwrittenUpdates(writes), [entry('e1'), grant('g1', '8'), entry('e2'), wallet('w1', '8')]);
  });

  it('keeps UPDATEs of other rows or other columns', () => {
    const writes = [grant('g1', '9'), grant('g2', '5'), walletBalance('w1', '9'), wallet('w1', '8')];
    assert.deepEqual(withoutOverwrittenUpdates(writes), writes);
  });

  it('keeps an UPDATE a statement in between might read or collide with', () => {
    const readsBack = { name: 's', text: 'INSERT INTO events (id, data) SELECT $1, balance FROM wallets', values: ['x'] };
    assert.deepEqual(withoutOverwrittenUpdates([wallet('w1', '9'), readsBack, wallet('w1', '8')]).length, 3);
    const sameTable = { name: 'i', text: 'INSERT INTO wallets (id) VALUES ($1)', values: ['w2'] };
    assert.deepEqual(withoutOverwrittenUpdates([wallet('w1', '9'), sameTable, wallet('w1', '8')]).length, 3);
    const other = { name: 'd', text: 'DELETE FROM grants WHERE id = $1', values: ['g9'] };
    assert.deepEqual(withoutOverwrittenUpdates([grant('g1', '9'), other, grant('g1', '8')]).length, 3);
    const computed = { name: 'c', text: 'UPDATE grants SET available = available - $1 WHERE id = $2', values: ['1', 'g1'] };
    assert.deepEqual(withoutOverwrittenUpdates([computed, computed]), [computed, computed]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangedColumnsUpdate } from './changed-columns.ts';

interface Account {
  id: string;
  balance: bigint;
  limit: bigint | null;
  closedAt: number | null;
  frozen: boolean;
}

/** An update over Account whose `stored` conversions count their calls. */
function accountUpdate() {
  const conversions = { count: 0 };
  const asText = (value: bigint) => {
    conversions.count += 1;
    return `${value}`;
  };
  const update = new ChangedColumnsUpdate<Account>('accounts', [
    { name: 'balance', value: (account) => account.balance, stored: asText },
    { name: 'credit_limit', value: (account) => account.limit, stored: (value: bigint | null) => (value === null ? null : asText(value)) },
    { name: 'closed_at', value: (account) => account.closedAt },
    { name: 'frozen', value: (account) => (account.frozen ? 1 : 0) },
  ]);
  return { update, conversions };
}

const account = (changes: Partial<Account> = {}): Account => Object.assign({ id: 'acc_1', balance: 100n, limit: null, closedAt: null, frozen: false }, changes);

describe('ChangedColumnsUpdate', () => {
  it('writes every column, converted, when the row as read is not known', () => {
    const { update } = accountUpdate();
    assert.deepEqual(update.changes(account({ limit: 5n }), 'acc_1'), {
      sql: 'UPDATE accounts SET balance = ?, credit_limit = ?, closed_at = ?, frozen = ? WHERE id = ?',
      params: ['100', '5', null, 0, 'acc_1'],
    });
  });

  it('writes only the columns whose value changed, and converts only those', () => {
    const { update, conversions } = accountUpdate();
    // Equal amounts computed apart are the same value: not written.
    const before = account({ balance: 250n, limit: 10n });
    const after = account({ balance: 200n + 50n, limit: 10n, frozen: true });
    assert.deepEqual(update.changes(after, 'acc_1', before), { sql: 'UPDATE accounts SET frozen = ? WHERE id = ?', params: [1, 'acc_1'] });
    assert.equal(conversions.count, 0);
    assert.deepEqual(update.changes(account({ balance: 7n, closedAt: 9 }), 'acc_2', before), {
      sql: 'UPDATE accounts SET balance = ?, credit_limit = ?, closed_at = ? WHERE id = ?',
      params: ['7', null, 9, 'acc_2'],
    });
    assert.equal(conversions.count, 1);
  });

  it('writes nothing when nothing changed', () => {
    const { update } = accountUpdate();
    assert.equal(update.changes(account(), 'acc_1', account()), undefined);
  });

  it('gives the same statement text for the same changed columns', () => {
    const { update } = accountUpdate();
    const first = update.changes(account({ balance: 1n }), 'acc_1', account());
    const second = update.changes(account({ balance: 2n }), 'acc_2', account());
    assert.ok(first && second);
    assert.equal(first.sql, second.sql);
    assert.deepEqual([first.params, second.params], [['1', 'acc_1'], ['2', 'acc_2']]);
  });

  it('gives an INSERT every stored value in column order', () => {
    const { update } = accountUpdate();
    assert.deepEqual(update.names, ['balance', 'credit_limit', 'closed_at', 'frozen']);
    assert.deepEqual(update.storedValues(account({ frozen: true, closedAt: 3 })), ['100', null, 3, 1]);
  });

  it('refuses more columns than its bit mask holds', () => {
    const columns = Array.from({ length: 31 }, (_, index) => ({ name: `c${index}`, value: () => index }));
    assert.throws(() => new ChangedColumnsUpdate('wide', columns), /at most 30/);
  });
});

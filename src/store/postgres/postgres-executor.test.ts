import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewritePlaceholders, StatementCache } from './postgres-executor.ts';

describe('rewritePlaceholders', () => {
  it('numbers placeholders in order', () => {
    assert.deepEqual(rewritePlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?'), {
      text: 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4',
      parameterCount: 4,
    });
  });

  it('leaves ? inside string literals and quoted identifiers alone', () => {
    assert.deepEqual(rewritePlaceholders(`SELECT 'what?', 'it''s ?', x AS "a?b" FROM t WHERE y = ?`), {
      text: `SELECT 'what?', 'it''s ?', x AS "a?b" FROM t WHERE y = $1`,
      parameterCount: 1,
    });
  });

  it('passes SQL without placeholders through', () => {
    assert.deepEqual(rewritePlaceholders("SELECT * FROM holds WHERE status = 'active'"), {
      text: "SELECT * FROM holds WHERE status = 'active'",
      parameterCount: 0,
    });
  });
});

describe('StatementCache', () => {
  it('names each distinct SQL string once and reuses the name', () => {
    const cache = new StatementCache('test_');
    const first = cache.query('SELECT ? + ?', [1, 2]);
    const again = cache.query('SELECT ? + ?', [3, 4]);
    const other = cache.query('SELECT ?', [undefined]);
    assert.deepEqual(first, { name: 'test_1', text: 'SELECT $1 + $2', values: [1, 2] });
    assert.deepEqual(again, { name: 'test_1', text: 'SELECT $1 + $2', values: [3, 4] });
    assert.deepEqual(other, { name: 'test_2', text: 'SELECT $1', values: [null] });
  });

  it('refuses a parameter count that does not match the placeholders', () => {
    const cache = new StatementCache();
    assert.throws(() => cache.query('SELECT ?', []), /1 placeholders but 0 parameters/);
  });
});

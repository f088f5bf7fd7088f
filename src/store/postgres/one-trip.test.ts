import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferredWrites, GUARD_SQL, oneTripStatements, WALLET_VERSION_SQL } from './one-trip.ts';
import { StatementCache } from './postgres-executor.ts';
import { UNKNOWN_RELATIONS } from './schema-relations.ts';

describe('deferredWrites', () => {
  it('records writes as prepared statements with their parameters in text format, and refuses to read', async () => {
    const cache = new StatementCache('test_');
    const writes = deferredWrites(cache);
    assert.equal(await writes.run("UPDATE t SET a = ?, b = 'what?', c = ?, d = ? WHERE id = ?", ["x'y", 7, 12n, null]), 1);
    assert.deepEqual(writes.statements, [{ name: 'test_1', text: "UPDATE t SET a = $1, b = 'what?', c = $2, d = $3 WHERE id = $4", values: ["x'y", '7', '12', null] }]);
    await assert.rejects(writes.get('SELECT 1'), /cannot read/);
    await assert.rejects(writes.all('SELECT 1'), /cannot read/);
    await assert.rejects(writes.run('UPDATE t SET a = ?', []), /1 placeholders but 0 parameters/);
  });

  it('refuses a value it cannot send exactly', async () => {
    const writes = deferredWrites(new StatementCache('test_'));
    await assert.rejects(writes.run('UPDATE t SET a = ?', [Number.NaN]), /NaN/);
    await assert.rejects(writes.run('UPDATE t SET a = ?', [{ a: 1 }]), /object/);
    assert.deepEqual(writes.statements, []);
  });

  it('puts the guard first and the new version last, sharing the cache the transactions use', () => {
    const cache = new StatementCache('test_');
    const write = { name: 'w', text: 'INSERT INTO x VALUES ($1)', values: ['1'] };
    const statements = oneTripStatements(cache, 'wal_1', '123', [write], UNKNOWN_RELATIONS);
    assert.equal(statements.length, 3);
    assert.equal(statements[0]!.name, cache.statement(GUARD_SQL, 2).name);
    assert.match(statements[0]!.text, /^SELECT 1 \/ \(SELECT count\(\*\)::int FROM \(SELECT 1 FROM wallets WHERE id = \$1 AND xmin = \$2::xid FOR UPDATE\) AS locked\)$/);
    assert.deepEqual(statements[0]!.values, ['wal_1', '123']);
    assert.equal(statements[1], write);
    assert.equal(statements[2]!.text, 'SELECT xmin::text AS version FROM wallets WHERE id = $1');
    assert.deepEqual(statements[2]!.values, ['wal_1']);
    assert.equal(cache.query(WALLET_VERSION_SQL, ['wal_1']).name, statements[2]!.name);
  });
});

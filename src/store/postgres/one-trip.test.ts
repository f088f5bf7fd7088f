import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeferredWrites, literal, oneTripQuery } from './one-trip.ts';

describe('one-trip literals', () => {
  it('quotes every value, so PostgreSQL types it from its context like a bound parameter', () => {
    assert.equal(literal(null), 'NULL');
    assert.equal(literal(undefined), 'NULL');
    assert.equal(literal(42), "'42'");
    assert.equal(literal(12n), "'12'");
    assert.equal(literal(true), "'true'");
    assert.equal(literal("it's"), "'it''s'");
    assert.equal(literal('back\\slash'), " E'back\\\\slash'");
  });

  it('refuses what it cannot write exactly', () => {
    assert.throws(() => literal(Number.NaN), /NaN/);
    assert.throws(() => literal(Number.POSITIVE_INFINITY), /Infinity/);
    assert.throws(() => literal({ a: 1 }), /object/);
    assert.throws(() => literal(Buffer.from('x')), /object/);
  });
});

describe('DeferredWrites', () => {
  it('records writes with their parameters in place, leaving a ? inside quotes alone, and refuses to read', async () => {
    const writes = new DeferredWrites();
    assert.equal(await writes.run("UPDATE t SET a = ?, b = 'what?' WHERE id = ?", ["x'y", 7]), 1);
    assert.deepEqual(writes.statements, ["UPDATE t SET a = 'x''y', b = 'what?' WHERE id = '7'"]);
    await assert.rejects(writes.get('SELECT 1'), /cannot read/);
    await assert.rejects(writes.all('SELECT 1'), /cannot read/);
    await assert.rejects(writes.run('UPDATE t SET a = ?', []), /1 placeholders but 0 parameters/);
  });

  it('puts the guard first and the new version last', () => {
    const query = oneTripQuery('wal_1', '123', ['INSERT INTO x VALUES (1)']).split(';\n');
    assert.equal(query.length, 3);
    assert.match(query[0]!, /^SELECT 1 \/ \(SELECT count\(\*\)::int FROM \(SELECT 1 FROM wallets WHERE id = 'wal_1' AND xmin = '123'::xid FOR UPDATE\) AS locked\)$/);
    assert.equal(query[1], 'INSERT INTO x VALUES (1)');
    assert.equal(query[2], "SELECT xmin::text AS version FROM wallets WHERE id = 'wal_1'");
  });
});

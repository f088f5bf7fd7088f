import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ROWS, withMergedInserts } from './merged-inserts.ts';
import type { PipelinedStatement } from './pipelined-statements.ts';
import { StatementCache } from './postgres-executor.ts';
import { UNKNOWN_RELATIONS, type SchemaRelations } from './schema-relations.ts';
import { shapeOf } from './statement-shapes.ts';

const debit = (id: string): PipelinedStatement => ({ name: 'd', text: 'INSERT INTO debits (id, amount) VALUES ($1, $2)', values: [id, '1'] });
const entry = (id: string): PipelinedStatement => ({ name: 'e', text: 'INSERT INTO ledger_entries (id, debit_id, wallet_id) VALUES ($1, $2, $3)', values: [id, 'd', 'w1'] });
const twoEntries = (a: string, b: string): PipelinedStatement => ({
  name: 'e2',
  text: 'INSERT INTO ledger_entries (id, debit_id, wallet_id) VALUES ($1, $2, $3), ($4, $5, $6)',
  values: [a, 'd', 'w1', b, 'd', 'w1'],
});
const event = (id: string): PipelinedStatement => ({ name: 'v', text: 'INSERT INTO events (id, data) VALUES ($1, $2)', values: [id, '{}'] });
const walletUpdate = (balance: string): PipelinedStatement => ({ name: 'w', text: 'UPDATE wallets SET balance = $1, sequence = $2 WHERE id = $3', values: [balance, '1', 'w1'] });

/** ledger_entries and debits reference wallets; audit_log refuses updates; counted counts its inserts; nothing references debits. */
const relations: SchemaRelations = {
  foreignKeys: [
    { from: 'debits', fromColumns: ['wallet_id'], to: 'wallets', toColumns: ['id'] },
    { from: 'ledger_entries', fromColumns: ['wallet_id'], to: 'wallets', toColumns: ['id'] },
  ],
  triggers: new Map([
    ['audit_log', new Set(['UPDATE', 'DELETE'])],
    ['counted', new Set(['INSERT'])],
  ]),
  complete: true,
};

const merge = (writes: PipelinedStatement[], cache = new StatementCache('test_')) => withMergedInserts(writes, cache, relations);

describe('withMergedInserts', () => {
  it("merges a batch's INSERTs of one table and columns into one multi-row INSERT where the first was, rows in order", () => {
    const writes = [debit('d1'), entry('e1'), event('v1'), debit('d2'), twoEntries('e2', 'e3'), event('v2'), walletUpdate('8')];
    const merged = merge(writes);
    assert.deepEqual(
      merged.map((write) => write.text),
      [
        'INSERT INTO debits (id, amount) VALUES ($1, $2), ($3, $4)',
        'INSERT INTO ledger_entries (id, debit_id, wallet_id) VALUES ($1, $2, $3), ($4, $5, $6)',
        'INSERT INTO ledger_entries (id, debit_id, wallet_id) VALUES ($1, $2, $3)',
        'INSERT INTO events (id, data) VALUES ($1, $2), ($3, $4)',
        'UPDATE wallets SET balance = $1, sequence = $2 WHERE id = $3',
      ],
    );
    assert.deepEqual(merged[0]!.values, ['d1', '1', 'd2', '1']);
    // Three ledger rows: a power of two (2) and then 1, in the order they were written.
    assert.deepEqual([...merged[1]!.values, ...merged[2]!.values].filter((_, index) => index % 3 === 0), ['e1', 'e2', 'e3']);
    assert.deepEqual(merged[3]!.values, ['v1', '{}', 'v2', '{}']);
  });

  it('names each merged statement through the StatementCache, once per table, columns and row count', () => {
    const cache = new StatementCache('test_');
    const first = merge([debit('d1'), debit('d2')], cache);
    const second = merge([debit('d3'), debit('d4')], cache);
    assert.equal(first[0]!.name, second[0]!.name);
    assert.equal(cache.statement('INSERT INTO debits (id, amount) VALUES (?, ?), (?, ?)', 4).name, first[0]!.name);
    assert.notEqual(merge([debit('d1'), debit('d2'), debit('d3'), debit('d4')], cache)[0]!.name, first[0]!.name);
  });

  it(`caps a statement at ${MAX_ROWS} rows, in powers of two`, () => {
    const writes = Array.from({ length: MAX_ROWS + 3 }, (_, index) => debit(`d${index}`));
    const merged = merge(writes);
    assert.deepEqual(
      merged.map((write) => write.values.length / 2),
      [MAX_ROWS, 2, 1],
    );
    assert.deepEqual(merged.flatMap((write) => write.values.filter((_, index) => index % 2 === 0)), writes.map((write) => write.values[0]));
  });

  it('returns the list itself when nothing merges', () => {
    const writes = [debit('d1'), entry('e1'), walletUpdate('9')];
    assert.equal(merge(writes), writes);
  });

  it('does not move a row across a write to a table its foreign keys tie it to', () => {
    const wallet = { name: 'i', text: 'INSERT INTO wallets (id, balance) VALUES ($1, $2)', values: ['w1', '0'] };
    // The second entry may reference the wallet inserted before it: moved before that INSERT, its key check would fail.
    assert.equal(merge([entry('e1'), wallet, entry('e2')]).length, 3);
    // The wallet's update sets no key column, so the entries may cross it.
    assert.equal(merge([entry('e1'), walletUpdate('9'), entry('e2')]).length, 2);
    const rekey = { name: 'k', text: 'UPDATE wallets SET id = $1 WHERE id = $2', values: ['w2', 'w1'] };
    assert.equal(merge([entry('e1'), rekey, entry('e2')]).length, 3);
    // events has no key to wallets: it may cross the wallet's INSERT.
    assert.equal(merge([event('v1'), wallet, event('v2')]).length, 2);
  });

  it('does not move a row across a statement that reads or writes its table, or that it cannot read', () => {
    const sameTable = { name: 'u', text: 'UPDATE debits SET amount = $1 WHERE id = $2', values: ['2', 'd1'] };
    assert.equal(merge([debit('d1'), sameTable, debit('d2')]).length, 3);
    const otherColumns = { name: 'o', text: 'INSERT INTO debits (id) VALUES ($1)', values: ['d9'] };
    assert.equal(merge([debit('d1'), otherColumns, debit('d2')]).length, 3);
    const readsBack = { name: 's', text: 'INSERT INTO events (id, data) SELECT $1, amount FROM debits', values: ['v9'] };
    assert.equal(merge([debit('d1'), readsBack, debit('d2')]).length, 3);
    const deletes = { name: 'x', text: 'DELETE FROM events WHERE id = $1', values: ['v9'] };
    assert.equal(merge([debit('d1'), deletes, debit('d2')]).length, 3);
    // After a barrier, later rows still merge with each other.
    assert.deepEqual(
      merge([debit('d1'), deletes, debit('d2'), debit('d3')]).map((write) => write.values.length),
      [2, 1, 4],
    );
  });

  it('leaves alone an INSERT that may conflict softly, returns rows, computes values or has an INSERT trigger', () => {
    const upsert = { name: 'c', text: 'INSERT INTO events (id, data) VALUES ($1, $2) ON CONFLICT DO NOTHING', values: ['v1', '{}'] };
    assert.equal(merge([upsert, upsert]).length, 2);
    const returning = { name: 'r', text: 'INSERT INTO events (id, data) VALUES ($1, $2) RETURNING id', values: ['v1', '{}'] };
    assert.equal(merge([returning, returning]).length, 2);
    const literal = { name: 'l', text: "INSERT INTO events (id, data) VALUES ($1, '{}')", values: ['v1'] };
    assert.equal(merge([literal, literal]).length, 2);
    const reordered = { name: 'q', text: 'INSERT INTO events (id, data) VALUES ($2, $1)', values: ['{}', 'v1'] };
    assert.equal(merge([reordered, reordered]).length, 2);
    const counted = { name: 'n', text: 'INSERT INTO counted (id) VALUES ($1)', values: ['c1'] };
    assert.equal(merge([counted, counted]).length, 2);
    // A table whose triggers fire on UPDATE or DELETE only merges.
    const audit = { name: 'a', text: 'INSERT INTO audit_log (id) VALUES ($1)', values: ['a1'] };
    assert.equal(merge([audit, audit]).length, 1);
  });

  it('a used key still fails the whole message (PostgreSQL checks each row of a multi-row INSERT)', () => {
    // The message's outcome is one implicit transaction either way; what must not change is that the duplicate
    // is still inserted, not skipped: only INSERTs without ON CONFLICT merge (see above), so both rows go in one statement.
    const key = (id: string) => ({ name: 'k', text: 'INSERT INTO idempotency_keys (scope, idempotency_key) VALUES ($1, $2)', values: ['environment', id] });
    const merged = merge([key('a'), key('a')]);
    assert.deepEqual(merged, [{ name: merged[0]!.name, text: 'INSERT INTO idempotency_keys (scope, idempotency_key) VALUES ($1, $2), ($3, $4)', values: ['environment', 'a', 'environment', 'a'] }]);
  });
});

describe('statement shapes', () => {
  it("reads the repository's multi-line INSERTs", () => {
    const shape = shapeOf('INSERT INTO debits (id, environment_id,\n         feature)\n       VALUES ($1, $2, $3)');
    assert.deepEqual(shape, { kind: 'insert', table: 'debits', rows: 1, prefix: 'INSERT INTO debits (id, environment_id,\n         feature)', width: 3 });
    assert.deepEqual(shapeOf('UPDATE grants SET available = $1, live = $2 WHERE id = $3'), { kind: 'blind-update', table: 'grants', columns: ['available', 'live'], idParameter: 3 });
    assert.equal(shapeOf('UPDATE grants SET available = available - $1 WHERE id = $2').kind, 'other');
  });
});

describe('relations not read', () => {
  it('merges nothing, not even adjacent INSERTs of one table, until the keys and triggers are known', () => {
    const writes = [event('v1'), event('v2'), debit('d1'), debit('d2')];
    assert.equal(withMergedInserts(writes, new StatementCache('test_'), UNKNOWN_RELATIONS), writes);
    assert.equal(withMergedInserts(writes, new StatementCache('test_'), relations).length, 2);
  });

  it('ties tables through a key to an unnamed column of the other table, whatever an update sets', () => {
    const loose: SchemaRelations = { ...relations, foreignKeys: [{ from: 'ledger_entries', fromColumns: ['wallet_id'], to: 'wallets', toColumns: [] }] };
    assert.equal(withMergedInserts([entry('e1'), walletUpdate('9'), entry('e2')], new StatementCache('test_'), loose).length, 3);
    assert.equal(withMergedInserts([entry('e1'), walletUpdate('9'), entry('e2')], new StatementCache('test_'), relations).length, 2);
  });
});

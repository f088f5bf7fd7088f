import type { PipelinedStatement } from './pipelined-statements.ts';
import type { StatementCache } from './postgres-executor.ts';
import type { SchemaRelations } from './schema-relations.ts';
import { placeholders } from '../repository/row-mapping.ts';
import { shapeOf, type StatementShape } from './statement-shapes.ts';

/**
 * The writes of one one-trip message with the INSERTs of the same table and
 * columns merged into multi-row INSERTs: a hot wallet's batch of 32 debits
 * inserts 32 debits, 32 ledger entries and 32 events, and the server binds and
 * executes a statement about as fast as it inserts a row, so three statements
 * instead of 96 halve what it does per debit. Each merged statement takes the
 * place of the first INSERT it takes rows from; rows keep their order.
 *
 * So a row moves earlier, across the statements between. That is allowed only
 * while every one of them is (statement-shapes.ts):
 * - an INSERT of values into another table that shares no foreign key with
 *   this one either way (a moved row could otherwise make a key check pass
 *   that failed, or fail that passed) and has no INSERT trigger; or
 * - a blind UPDATE (columns set to parameters, by id) of another table that
 *   sets no column of a foreign key between the two and has no UPDATE trigger.
 * Such a statement reads nothing the moved rows change and writes nothing they
 * read, so every statement has the same effect and the message commits the
 * same rows. Anything else (a DELETE, an INSERT … SELECT, an upsert, an UPDATE
 * of the same table) ends the merge: later rows start a new statement.
 *
 * A conflict (a used idempotency key) fails a merged INSERT as it failed the
 * single one: the whole implicit transaction rolls back and the server reports
 * a unique violation, so every operation of the batch runs on today's path.
 *
 * Only INSERTs of exactly `(columns) VALUES ($1, …), …` merge, into a table
 * with no INSERT trigger (which might read other rows, or fire once per
 * statement). A merged statement holds a power of two of rows, at most
 * MAX_ROWS and never more than 65,535 parameters, so each table has a handful
 * of prepared statements (named by the StatementCache per text, so per row
 * count) instead of one per batch size.
 *
 * `relations` are the store's keys and triggers, read from the catalog once
 * (PostgresStore). Until they are read they are incomplete, and nothing
 * merges at all: not knowing the triggers, even two adjacent INSERTs of one
 * table might meet a statement-level INSERT trigger.
 */
export function withMergedInserts(writes: readonly PipelinedStatement[], cache: StatementCache, relations: SchemaRelations): PipelinedStatement[] {
  if (!relations.complete) return writes as PipelinedStatement[];
  const placed: Array<PipelinedStatement | Group> = [];
  /** Groups later rows may still join, by prefix (table and columns). */
  const open = new Map<string, Group>();
  for (const write of writes) {
    const shape = shapeOf(write.text);
    let joined: Group | undefined;
    if (shape.kind === 'insert' && shape.rows !== undefined && !relations.triggers.get(shape.table)?.has('INSERT')) {
      joined = open.get(shape.prefix);
      if (!joined) {
        joined = { prefix: shape.prefix, table: shape.table, width: shape.width, members: [] };
        placed.push(joined);
        open.set(shape.prefix, joined);
      }
      joined.members.push(write);
    } else {
      placed.push(write);
    }
    for (const group of open.values()) if (group !== joined && !mayCross(group.table, shape, relations)) open.delete(group.prefix);
  }
  if (placed.length === writes.length) return writes as PipelinedStatement[];
  const merged: PipelinedStatement[] = [];
  for (const item of placed) {
    if (!('members' in item)) merged.push(item);
    else if (item.members.length === 1) merged.push(item.members[0]!);
    else mergeGroup(item, cache, merged);
  }
  return merged;
}

/** At most this many rows per merged INSERT. */
export const MAX_ROWS = 128;
const MAX_PARAMETERS = 65_535;

interface Group {
  prefix: string;
  table: string;
  width: number;
  members: PipelinedStatement[];
}

/** Whether rows of `table` may move earlier across a statement of this shape. */
function mayCross(table: string, shape: StatementShape, relations: SchemaRelations): boolean {
  if (shape.kind === 'other' || shape.table === table) return false;
  if (shape.kind === 'insert') {
    if (relations.triggers.get(shape.table)?.has('INSERT')) return false;
    return !related(table, shape.table, undefined, relations);
  }
  if (relations.triggers.get(shape.table)?.has('UPDATE')) return false;
  return !related(table, shape.table, shape.columns, relations);
}

/** Whether a foreign key ties `table` and `other` (through one of `otherColumns` of `other`, when given). */
function related(table: string, other: string, otherColumns: readonly string[] | undefined, relations: SchemaRelations): boolean {
  for (const key of relations.foreignKeys) {
    let columns: readonly string[];
    if (key.from === table && key.to === other) columns = key.toColumns;
    else if (key.from === other && key.to === table) columns = key.fromColumns;
    else continue;
    // A key to the other table's primary key names no columns: any update may touch it.
    if (otherColumns === undefined || columns.length === 0 || columns.some((column) => otherColumns.includes(column))) return true;
  }
  return false;
}

/** The group's rows as multi-row INSERTs of a power of two of rows each, in order. */
function mergeGroup(group: Group, cache: StatementCache, into: PipelinedStatement[]): void {
  // A member may itself insert several rows (a debit's ledger entries), so rows are counted by values.
  const values: Array<string | null> = [];
  for (const member of group.members) for (const value of member.values) values.push(value);
  const maxRows = largestPowerOfTwo(Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / group.width)));
  let row = 0;
  const rows = values.length / group.width;
  while (row < rows) {
    const count = largestPowerOfTwo(Math.min(maxRows, rows - row));
    const { name, text } = cache.statement(insertSql(group.prefix, group.width, count), count * group.width);
    into.push({ name, text, values: values.slice(row * group.width, (row + count) * group.width) });
    row += count;
  }
}

function largestPowerOfTwo(atMost: number): number {
  let power = 1;
  while (power * 2 <= atMost) power *= 2;
  return power;
}

/** `prefix VALUES (?, …), …` by prefix and row count; the same string each time, so the StatementCache finds it by a hash computed once. */
const insertSqls = new Map<string, string[]>();

function insertSql(prefix: string, width: number, rows: number): string {
  let byRows = insertSqls.get(prefix);
  if (!byRows) {
    byRows = [];
    // Prefixes come from repository texts, which the StatementCache already bounds; this bounds them again.
    if (insertSqls.size < 1000) insertSqls.set(prefix, byRows);
  }
  byRows[rows] ??= `${prefix} VALUES ${Array.from({ length: rows }, () => `(${placeholders(width)})`).join(', ')}`;
  return byRows[rows];
}

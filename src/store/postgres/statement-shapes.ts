/**
 * What a one-trip write statement (PostgreSQL text, `$n` placeholders) does,
 * as far as reordering and merging writes need to know. Classified once per
 * statement text: a batch of a hundred writes asks about the same handful of
 * texts every time.
 */
export type StatementShape =
  /** `UPDATE t SET a = $1, b = $2 WHERE id = $3`: sets each of a fixed set of columns to a parameter, on one row by primary key. */
  | { kind: 'blind-update'; table: string; columns: readonly string[]; idParameter: number }
  /**
   * An INSERT that reads no other row (no SELECT, no subquery). `rows` is set
   * when it is exactly `INSERT INTO t (columns) VALUES ($1, …, $k), ($k+1, …)…`
   * with every parameter in order and nothing after: then its rows can join
   * another such INSERT's (see merged-inserts.ts); `prefix` is the text
   * before VALUES and `width` the columns per row.
   */
  | { kind: 'insert'; table: string; rows: number | undefined; prefix: string; width: number }
  | { kind: 'other' };

const BLIND_UPDATE = /^UPDATE (\w+) SET (\w+ = \$\d+(?:, \w+ = \$\d+)*) WHERE id = \$(\d+)$/;
const INSERT = /^\s*INSERT INTO (\w+) \(/;
const PLAIN_VALUES = /^(\s*INSERT INTO \w+ \(\s*\w+(?:\s*,\s*\w+)*\s*\)\s*)VALUES\s*(\([\s\S]*\))\s*$/;

/** Texts seen so far; bounded, since a statement's text could one day carry values (the StatementCache guards the same way). */
const shapes = new Map<string, StatementShape>();
const MAX_SHAPES = 2000;

export function shapeOf(text: string): StatementShape {
  let shape = shapes.get(text);
  if (shape === undefined) {
    shape = classify(text);
    if (shapes.size < MAX_SHAPES) shapes.set(text, shape);
  }
  return shape;
}

function classify(text: string): StatementShape {
  const update = BLIND_UPDATE.exec(text);
  if (update) {
    const columns = update[2]!.split(', ').map((assignment) => assignment.slice(0, assignment.indexOf(' ')).toLowerCase());
    return { kind: 'blind-update', table: update[1]!.toLowerCase(), columns, idParameter: Number(update[3]) };
  }
  const insert = INSERT.exec(text);
  if (!insert || /\bSELECT\b/i.test(text)) return { kind: 'other' };
  const table = insert[1]!.toLowerCase();
  const plain = /\b(?:ON\s+CONFLICT|RETURNING)\b/i.test(text) ? null : PLAIN_VALUES.exec(text);
  const width = plain ? plain[1]!.slice(plain[1]!.indexOf('(') + 1, plain[1]!.lastIndexOf(')')).split(',').length : 0;
  const rows = plain ? orderedTuples(plain[2]!, width) : undefined;
  return { kind: 'insert', table, rows, prefix: plain ? plain[1]!.trimEnd() : '', width };
}

/** How many `($n, …)` tuples of `width` parameters, numbered 1, 2, 3 … in order, `values` is; undefined if it is anything else. */
function orderedTuples(values: string, width: number): number | undefined {
  const tuples = values.split(/\)\s*,\s*\(/);
  let next = 1;
  for (const [index, tuple] of tuples.entries()) {
    const inner = tuple.slice(index === 0 ? 1 : 0, index === tuples.length - 1 ? tuple.lastIndexOf(')') : undefined);
    const parameters = inner.split(',');
    if (parameters.length !== width) return undefined;
    for (const parameter of parameters) {
      if (parameter.trim() !== `$${next}`) return undefined;
      next += 1;
    }
  }
  return tuples.length;
}

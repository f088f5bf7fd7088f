import type { PipelinedStatement } from './pipelined-statements.ts';

/**
 * `UPDATE t SET a = $1, b = $2 WHERE id = $3`: sets each of a fixed set of
 * columns to a parameter, on one row by primary key. Two of these commute
 * unless they set a column of the same row, where the later one wins.
 */
const BLIND_UPDATE = /^UPDATE (\w+) SET \w+ = \$\d+(?:, \w+ = \$\d+)* WHERE id = \$(\d+)$/;
/** An INSERT of given values: reads no row, so whatever an UPDATE left it sees nothing of (unless it inserts into that table: unique keys). */
const VALUES_INSERT = /^\s*INSERT INTO (\w+) \(/;

/**
 * The writes of several operations on one wallet without the UPDATEs a later
 * one overwrites: an UPDATE is left out when a later UPDATE of the same text
 * (so the same columns) sets the same row, and only such UPDATEs and INSERTs
 * of values into other tables come between. Every row then ends as the full
 * list would leave it, and nothing in between could have seen the difference.
 * On a hot wallet a batch of debits writes the wallet row and its first grant
 * once instead of once per debit.
 */
export function withoutOverwrittenUpdates(writes: readonly PipelinedStatement[]): PipelinedStatement[] {
  /** Blind UPDATEs later in the list, since the last statement they may not be moved across: key → table. */
  const later = new Map<string, string>();
  const kept: PipelinedStatement[] = [];
  for (let index = writes.length - 1; index >= 0; index -= 1) {
    const write = writes[index]!;
    const update = BLIND_UPDATE.exec(write.text);
    if (update) {
      const key = `${write.text}\u0000${write.values[Number(update[2]) - 1]}`;
      if (later.has(key)) continue;
      later.set(key, update[1]!);
      kept.push(write);
      continue;
    }
    kept.push(write);
    const insert = VALUES_INSERT.exec(write.text);
    if (insert && !/\bSELECT\b/i.test(write.text)) {
      for (const [key, table] of later) if (table === insert[1]) later.delete(key);
    } else {
      later.clear();
    }
  }
  return kept.reverse();
}

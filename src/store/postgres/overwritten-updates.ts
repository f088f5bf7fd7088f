import type { PipelinedStatement } from './pipelined-statements.ts';
import { shapeOf } from './statement-shapes.ts';

/*
 * Two blind UPDATEs (statement-shapes.ts: columns set to parameters, one row by
 * primary key) commute unless they set a column of the same row, where the
 * later one wins. An INSERT of values reads no row, so whatever an UPDATE left
 * it sees nothing of (unless it inserts into that table: unique keys).
 */

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
    const shape = shapeOf(write.text);
    if (shape.kind === 'blind-update') {
      const key = `${write.text}\u0000${write.values[shape.idParameter - 1]}`;
      if (later.has(key)) continue;
      later.set(key, shape.table);
      kept.push(write);
      continue;
    }
    kept.push(write);
    if (shape.kind === 'insert') {
      for (const [key, table] of later) if (table === shape.table) later.delete(key);
    } else {
      later.clear();
    }
  }
  return kept.reverse();
}

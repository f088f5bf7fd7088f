import { CreditbookError, validationError } from '../domain/errors.ts';
import type { Outcome } from './idempotency.ts';

export type BatchItemResult = { index: number; outcome: Outcome } | { index: number; error: CreditbookError };

/**
 * Runs a batch's items at once, each its own operation with its own result (on
 * SQLite they share one group commit). An item's error names its parameter as
 * `<param>.<index>.…`; errors that are not a CreditbookError fail the batch.
 */
export async function runBatch<Item>(
  items: readonly Item[],
  limits: { param: string; max: number; noun: string },
  run: (item: Item, index: number) => Promise<Outcome>,
): Promise<BatchItemResult[]> {
  checkBatchSize(items, limits);
  return Promise.all(
    items.map(async (item, index): Promise<BatchItemResult> => {
      try {
        return { index, outcome: await run(item, index) };
      } catch (error) {
        if (error instanceof CreditbookError) return { index, error: withParamPrefix(error, `${limits.param}.${index}`) };
        throw error;
      }
    }),
  );
}

/** Refuses a batch of no items or of more than `limits.max` (400 naming `limits.param`). */
export function checkBatchSize(items: readonly unknown[], limits: { param: string; max: number; noun: string }): void {
  if (items.length === 0 || items.length > limits.max) {
    throw validationError(limits.param, `A batch holds between 1 and ${limits.max} ${limits.noun}.`);
  }
}

function withParamPrefix(error: CreditbookError, prefix: string): CreditbookError {
  const param = error.param === undefined ? prefix : `${prefix}.${error.param}`;
  return new CreditbookError(error.code, error.message, { param, ...(error.details ? { details: error.details } : {}) });
}

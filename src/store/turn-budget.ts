/**
 * How long a batch of works may compute in one turn of the event loop before the
 * rest wait for a later batch. Works on a wallet run their SQLite statements (or,
 * on PostgreSQL, compute on a remembered state) synchronously, so a long queue on
 * a costly wallet would otherwise hold every other request for its whole length.
 * At least one work always runs, whatever it costs.
 */
export interface TurnBudget {
  ms: number;
  /** A monotonic clock in milliseconds; tests give one of their own. */
  now: () => number;
}

export const BATCH_TURN_BUDGET_MS = 50;

export const DEFAULT_TURN_BUDGET: TurnBudget = { ms: BATCH_TURN_BUDGET_MS, now: () => performance.now() };

/** Whether works started at `started` (by `budget.now`) have used the turn: the next one waits. */
export function turnSpent(budget: TurnBudget | undefined, started: number): boolean {
  return budget !== undefined && budget.now() - started >= budget.ms;
}

import { CreditbookError, validationError } from '../domain/errors.ts';
import { parsePeriod, shortestLengthMs } from '../domain/periods.ts';
import type { Instant } from '../domain/types.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import { changeAccess } from './access-changes.ts';
import { recordAudit } from './audit-log.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { bookOnLockedWallet } from './wallet-operation.ts';

/** Books the due events (activations, expiries, hold expiries) of one locked wallet, at their own instants. */
async function bookDueEvents(dependencies: AppDependencies, environment: EnvironmentRecord, walletId: string): Promise<boolean> {
  return dependencies.store.transaction(async (repository) => {
    const wallet = await repository.wallets.getById(environment.id, walletId, { lock: true });
    if (!wallet) return false;
    await bookOnLockedWallet(dependencies, repository, wallet, {
      context: { environment, requestId: 'sweep' },
      compute: () => null,
    });
    return true;
  });
}

/**
 * One pass of the background sweep over environments on the real clock. Each
 * wallet is claimed and booked in its own transaction; on PostgreSQL the claim
 * uses SKIP LOCKED, so several nodes sweeping at once never book an event twice
 * (and booking is idempotent anyway: the engine books only what is still due).
 * Returns how many wallets it booked.
 */
export async function sweepDueEvents(dependencies: AppDependencies, limit = 500): Promise<number> {
  let booked = 0;
  while (booked < limit) {
    const didOne = await dependencies.store.transaction(async (repository) => {
      const [due] = await repository.wallets.claimDue(dependencies.clock.now(), 1);
      if (!due) return false;
      const environment = (await repository.accounts.getEnvironment(due.environmentId))!;
      const wallet = (await repository.wallets.getById(due.environmentId, due.id, { lock: true }))!;
      await bookOnLockedWallet(dependencies, repository, wallet, {
        context: { environment, requestId: 'sweep' },
        compute: () => null,
      });
      return true;
    });
    if (!didOne) break;
    booked += 1;
  }
  return booked;
}

/**
 * Bounds on one test-clock advance, so that no request books without limit
 * (a 60-year jump over a daily plan is 21,900 boundaries): a call books at most
 * `maxBoundaries` boundaries of any one recurrence (a usage period or a
 * recurring schedule), in transactions of at most `stepBoundaries` each, so the
 * store and the event loop are free for other requests between them, and at most
 * `maxWalletSteps` wallet transactions in all. A call that stops short says so;
 * the caller advances again to the same `to` to continue.
 */
export interface AdvanceLimits {
  maxBoundaries: number;
  stepBoundaries: number;
  maxWalletSteps: number;
}

export const ADVANCE_LIMITS: AdvanceLimits = { maxBoundaries: 200, stepBoundaries: 10, maxWalletSteps: 2000 };

export interface ClockAdvance {
  environment: EnvironmentRecord;
  /** False when the call stopped short (of `to`, or of booking every wallet due): advance again to the same `to`. */
  complete: boolean;
}

/**
 * Moves a test environment's frozen clock towards `to` (never backwards) and
 * books, wallet by wallet and each in time order, everything due by then,
 * within `limits`. The clock moves first, so a wallet not booked yet is simply
 * due: any operation on it books its events at their own instants first.
 */
export async function advanceTestClock(
  dependencies: AppDependencies,
  context: RequestContext,
  to: Instant,
  limits: AdvanceLimits = ADVANCE_LIMITS,
): Promise<ClockAdvance> {
  assertTestEnvironment(context);
  const environment = context.environment;
  const current = currentTime(dependencies, environment);
  if (to < current) throw validationError('to', `The test clock can only move forward; it is at ${new Date(current).toISOString()}.`);
  const periods = await dependencies.store.read((repository) => repository.wallets.recurrencePeriodsInEnvironment(environment.id));
  // No two boundaries of a recurrence are closer than its shortest length, so n such lengths hold at most n + 1 of them.
  const shortest = Math.min(...periods.map((period) => shortestLengthMs(parsePeriod(period))));
  const bounded = Number.isFinite(shortest);
  const horizon = bounded ? Math.min(to, current + limits.maxBoundaries * shortest) : to;
  const stepMs = bounded ? limits.stepBoundaries * shortest : horizon - current;
  await changeAccess(dependencies, async (repository) => {
    await repository.accounts.setFrozenClock(environment.id, horizon);
    await recordAudit(dependencies, repository, context, environment.id);
  });
  const advanced = { ...environment, frozenClockAt: horizon };
  let walletSteps = 0;
  for (let stepEnd = Math.min(horizon, current + stepMs); ; stepEnd = Math.min(horizon, stepEnd + stepMs)) {
    const left = limits.maxWalletSteps - walletSteps;
    const walletIds = await dependencies.store.read((repository) => repository.wallets.listDueInEnvironment(environment.id, stepEnd, left + 1));
    for (const walletId of walletIds.slice(0, left)) await bookDueEvents(dependencies, { ...environment, frozenClockAt: stepEnd }, walletId);
    if (walletIds.length > left) return { environment: advanced, complete: false };
    walletSteps += walletIds.length;
    if (stepEnd >= horizon) return { environment: advanced, complete: horizon === to };
  }
}

export function assertTestEnvironment(context: RequestContext): void {
  if (context.environment.mode !== 'test') throw new CreditbookError('forbidden', 'The test clock exists only in test environments.');
}

import { CreditbookError, validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { operateOnLockedWallet } from './wallet-operation.ts';

const noPresentation = () => ({ status: 200, body: null });

/** Books the due events (activations, expiries, hold expiries) of one locked wallet, at their own instants. */
async function bookDueEvents(dependencies: AppDependencies, environment: EnvironmentRecord, walletId: string): Promise<boolean> {
  return dependencies.store.transaction(async (repository) => {
    const wallet = await repository.wallets.getById(environment.id, walletId, { lock: true });
    if (!wallet) return false;
    await operateOnLockedWallet(dependencies, repository, wallet, {
      context: { environment, requestId: 'sweep' },
      compute: () => null,
      present: noPresentation,
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
      await operateOnLockedWallet(dependencies, repository, wallet, {
        context: { environment, requestId: 'sweep' },
        compute: () => null,
        present: noPresentation,
      });
      return true;
    });
    if (!didOne) break;
    booked += 1;
  }
  return booked;
}

/**
 * Moves a test environment's frozen clock to `to` (never backwards) and books,
 * wallet by wallet and each in time order, everything due by then.
 */
export async function advanceTestClock(dependencies: AppDependencies, context: RequestContext, to: Instant): Promise<EnvironmentRecord> {
  assertTestEnvironment(context);
  const environment = context.environment;
  const current = currentTime(dependencies, environment);
  if (to < current) throw validationError('to', `The test clock can only move forward; it is at ${new Date(current).toISOString()}.`);
  await dependencies.store.transaction((repository) => repository.accounts.setFrozenClock(environment.id, to));
  const frozen: EnvironmentRecord = { ...environment, frozenClockAt: to };
  const walletIds = await dependencies.store.read((repository) => repository.wallets.listDueInEnvironment(environment.id, to));
  await Promise.all(walletIds.map((walletId) => bookDueEvents(dependencies, frozen, walletId)));
  return frozen;
}

export function assertTestEnvironment(context: RequestContext): void {
  if (context.environment.mode !== 'test') throw new CreditbookError('forbidden', 'The test clock exists only in test environments.');
}

import { addFlows, NO_FLOWS } from '../domain/balance-history.ts';
import type { BalanceView } from '../domain/balance.ts';
import { validationError } from '../domain/errors.ts';
import { DAY_MS, projectRunway, type Runway } from '../domain/runway.ts';
import type { Instant } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import { readBalance } from './balances.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';

export const DEFAULT_RUNWAY_WINDOW_DAYS = 30;

export interface RunwayResult extends Runway {
  wallet: WalletRecord;
  balance: BalanceView;
  /** The window the burn rate was measured over: the last `windowDays`, or since the wallet was created if later. */
  windowStart: Instant;
  windowEnd: Instant;
  /** Consumed (debits and captures) within the window. */
  burned: BalanceView['available'];
}

/**
 * When the wallet runs out at its recent burn rate, and what expires soon.
 * The rate is what the ledger shows consumed over the window, spread evenly.
 */
export async function getRunway(
  dependencies: AppDependencies,
  context: RequestContext,
  request: WalletReference & { windowDays?: number | undefined },
): Promise<RunwayResult> {
  const windowDays = request.windowDays ?? DEFAULT_RUNWAY_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 365) throw validationError('windowDays', "'windowDays' must be a whole number of days from 1 to 365.");
  const { address } = await resolveWallet(dependencies, context, request);
  const now = currentTime(dependencies, context.environment);
  return dependencies.store.read(async (repository) => {
    const { wallet, balance, walletExists } = await readBalance(dependencies, repository, address, now, now);
    const windowStart = Math.min(now, Math.max(now - windowDays * DAY_MS, wallet.createdAt));
    const entries = walletExists ? await repository.ledger.loadForWallet(wallet.id, { gt: windowStart, lte: now }) : [];
    const burned = entries.reduce(addFlows, NO_FLOWS).consumed;
    const spendable = balance.grants.filter(({ status }) => status === 'active').map(({ grant }) => grant);
    const runway = projectRunway({ grants: spendable, now, burned, windowMs: now - windowStart });
    return Object.assign({}, runway, { wallet, balance, windowStart, windowEnd: now, burned });
  });
}

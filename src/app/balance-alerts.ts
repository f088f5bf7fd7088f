import { formatAmount, type Amount } from '../domain/amount.ts';
import type { Instant, WalletState } from '../domain/types.ts';
import { priceOfCredits } from '../payments/money.ts';
import type { WalletRecord } from '../store/records.ts';
import type { AutoTopUpConfig, WalletSettingsRecord } from '../store/payment-records.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';
import { appendEvents, type OutboxEvent } from './webhook-outbox.ts';
import { shownWalletKey } from './wallet-address.ts';

export type BalanceLevel = 'ok' | 'low' | 'depleted';
export type BalanceEventType = 'balance.low' | 'balance.depleted' | 'balance.recovered';

/** Depleted at zero or below; low below the wallet's threshold (when it has one); ok otherwise. */
export function balanceLevel(balance: Amount, threshold: Amount | null): BalanceLevel {
  if (balance <= 0n) return 'depleted';
  if (threshold !== null && balance < threshold) return 'low';
  return 'ok';
}

/**
 * The balance events of one change from `previous` to `current`. Each fires once
 * per crossing, because it follows from the two balances of one operation on a
 * locked wallet, never from a stored flag that could drift:
 * - `balance.low` when the balance falls below the threshold (also when it falls
 *   straight to zero or below);
 * - `balance.depleted` when it reaches zero or below;
 * - `balance.recovered` when it climbs back to the threshold (or above zero,
 *   without a threshold). A wallet's first credit is not a recovery.
 */
export function balanceCrossings(input: { previous: Amount; current: Amount; threshold: Amount | null; firstChange: boolean }): BalanceEventType[] {
  const before = balanceLevel(input.previous, input.threshold);
  const after = balanceLevel(input.current, input.threshold);
  if (before === after) return [];
  if (after === 'depleted') return before === 'ok' && input.threshold !== null ? ['balance.low', 'balance.depleted'] : ['balance.depleted'];
  if (after === 'low') return before === 'ok' ? ['balance.low'] : [];
  return input.firstChange ? [] : ['balance.recovered'];
}

/**
 * Called by the write pipeline (wallet-operation.ts) after every wallet
 * operation, in its transaction and under its wallet lock. When the balance
 * moved it writes the balance events and, if the wallet's auto top-up is due,
 * requests one. At most one top-up is in flight per wallet (`topUpInFlight`), so
 * a burst of debits that all land below the threshold buys once; a decline or
 * the monthly limit pauses it (`pausedUntil`). The top-up itself (charge, grant)
 * runs after commit (auto-top-up-runs.ts): no network call happens here.
 */
export async function watchBalance(
  dependencies: AppDependencies,
  repository: Repository,
  change: { wallet: WalletRecord; after: WalletState; at: Instant },
): Promise<void> {
  const { wallet, after, at } = change;
  if (wallet.balance === after.balance) return;
  const settings = wallet.hasSettings ? await repository.walletSettings.get(wallet.id) : undefined;
  const threshold = settings?.lowBalanceThreshold ?? null;
  const crossings = balanceCrossings({ previous: wallet.balance, current: after.balance, threshold, firstChange: wallet.sequence === 0 });
  const topUp = settings?.autoTopUp && topUpIsDue(settings, after.balance, at) ? { settings, config: settings.autoTopUp } : undefined;
  // Most changes cross nothing: the event data is made only when there is an event to carry it.
  if (crossings.length === 0 && !topUp) return;
  const data = {
    walletId: wallet.id,
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: shownWalletKey(wallet.walletKey),
    balance: formatAmount(after.balance),
    previousBalance: formatAmount(wallet.balance),
    threshold: threshold === null ? null : formatAmount(threshold),
  };
  const events: OutboxEvent[] = crossings.map((type) => ({ type, data }));
  if (topUp) {
    const topUpId = await requestTopUp(dependencies, repository, { wallet, settings: topUp.settings, config: topUp.config, balance: after.balance, at });
    if (topUpId) events.push({ type: 'auto_top_up.requested', data: Object.assign({}, data, { autoTopUpId: topUpId }) });
  }
  await appendEvents(dependencies, repository, { environmentId: wallet.environmentId, at, events });
}

function topUpIsDue(settings: WalletSettingsRecord, balance: Amount, at: Instant): boolean {
  const config = settings.autoTopUp;
  if (!config || balance >= config.threshold) return false;
  if (settings.topUpInFlight !== null) return false;
  return settings.pausedUntil === null || settings.pausedUntil <= at;
}

/** How many credits a top-up buys at this balance: the fixed amount, or up to the target. */
export function topUpCredits(config: AutoTopUpConfig, balance: Amount): Amount {
  return config.mode === 'fixed' ? config.amount : config.targetBalance - balance;
}

async function requestTopUp(
  dependencies: AppDependencies,
  repository: Repository,
  input: { wallet: WalletRecord; settings: WalletSettingsRecord; config: AutoTopUpConfig; balance: Amount; at: Instant },
): Promise<string | null> {
  const credits = topUpCredits(input.config, input.balance);
  if (credits <= 0n) return null;
  const id = dependencies.newId('atu');
  await repository.autoTopUps.insert({
    id,
    environmentId: input.wallet.environmentId,
    customerId: input.wallet.customerId,
    walletId: input.wallet.id,
    status: 'requested',
    amount: credits,
    priceMinor: priceOfCredits(credits, input.config.unitPrice, input.config.currency),
    currency: input.config.currency,
    paymentMethodId: input.config.paymentMethodId,
    purchaseId: null,
    reason: null,
    balanceAtTrigger: input.balance,
    attempts: 0,
    createdAt: input.at,
    completedAt: null,
  });
  await repository.walletSettings.upsert({ ...input.settings, topUpInFlight: id, updatedAt: input.at });
  return id;
}

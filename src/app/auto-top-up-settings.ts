import { parseAmount, type Amount } from '../domain/amount.ts';
import { requireCurrency } from '../domain/currencies.ts';
import { notFound, validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import { MINIMUM_PRICE, minimumPriceMinor, parsePrice, priceOfCredits } from '../payments/money.ts';
import type { PaymentProviderName } from '../payments/payment-provider.ts';
import type { AutoTopUpConfig, AutoTopUpQuantity, AutoTopUpRecord, WalletSettingsRecord } from '../store/payment-records.ts';
import type { Page, PageRequest, WalletAddress } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import type { Outcome, Presented } from './idempotency.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';
import { runWalletOperation } from './wallet-operation.ts';

export interface AutoTopUpInput {
  /** Buy when the balance falls below this. */
  threshold: unknown;
  /** Buy this many credits (give this or targetBalance). */
  amount?: unknown;
  /** Buy enough to bring the balance to this. */
  targetBalance?: unknown;
  /** Price of one credit in `currency` (a decimal; may be finer than the currency's cents). */
  unitPrice: unknown;
  currency?: string | undefined;
  paymentMethodId: string;
  /** Most auto top-up may spend per calendar month (UTC), a decimal string; null or absent for no limit. */
  monthlyLimit?: string | null | undefined;
}

export interface BalanceSettingsInput extends WalletReference {
  /** Fires balance.low when the balance falls below it; null removes it; absent keeps it. */
  lowBalanceThreshold?: unknown;
  /** null turns auto top-up off; absent keeps it. */
  autoTopUp?: AutoTopUpInput | null | undefined;
}

export interface BalanceSettings {
  address: WalletAddress;
  settings: WalletSettingsRecord | null;
  /** What auto top-up has charged this calendar month, in minor units. */
  spentThisMonth: bigint;
  now: Instant;
}

export type PresentBalanceSettings = (settings: BalanceSettings) => Presented;

/**
 * Sets a wallet's balance alerts and auto top-up (creating the wallet if
 * needed). Taken under the wallet lock, so it never interleaves with a debit's
 * check of the same settings. Setting it again is harmless, so it needs no
 * idempotency record. Changing auto top-up clears a decline backoff.
 */
export async function setBalanceSettings(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: BalanceSettingsInput; present: PresentBalanceSettings },
): Promise<Outcome> {
  const { context, input } = request;
  const { address, unit } = await resolveWallet(dependencies, context, input);
  const threshold =
    input.lowBalanceThreshold === undefined || input.lowBalanceThreshold === null
      ? input.lowBalanceThreshold
      : parseAmount(input.lowBalanceThreshold, { param: 'lowBalanceThreshold', scale: unit.scale });
  const autoTopUp = input.autoTopUp ? await parseAutoTopUp(dependencies, context, input.autoTopUp, { scale: unit.scale, customerId: address.customerId }) : input.autoTopUp;
  return runWalletOperation(dependencies, {
    context,
    address,
    ifMissing: 'create',
    compute: (_engine, loaded) => loaded.wallet.id,
    persist: async (repository, walletId, _effects, at): Promise<BalanceSettings> => {
      const existing = await repository.walletSettings.get(walletId);
      const settings: WalletSettingsRecord = {
        walletId,
        environmentId: address.environmentId,
        customerId: address.customerId,
        lowBalanceThreshold: threshold === undefined ? (existing?.lowBalanceThreshold ?? null) : threshold,
        autoTopUp: autoTopUp === undefined ? (existing?.autoTopUp ?? null) : autoTopUp,
        topUpInFlight: existing?.topUpInFlight ?? null,
        declines: autoTopUp === undefined ? (existing?.declines ?? 0) : 0,
        pausedUntil: autoTopUp === undefined ? (existing?.pausedUntil ?? null) : null,
        updatedAt: at,
      };
      await repository.walletSettings.upsert(settings);
      return { address, settings, spentThisMonth: await repository.autoTopUps.spentSince(walletId, monthStart(at)), now: at };
    },
    present: (saved) => request.present(saved),
  });
}

export async function getBalanceSettings(dependencies: AppDependencies, context: RequestContext, reference: WalletReference): Promise<BalanceSettings> {
  const { address } = await resolveWallet(dependencies, context, reference);
  const now = currentTime(dependencies, context.environment);
  return dependencies.store.read(async (repository) => {
    const wallet = await repository.wallets.find(address, { lock: false });
    if (!wallet) return { address, settings: null, spentThisMonth: 0n, now };
    const settings = (await repository.walletSettings.get(wallet.id)) ?? null;
    return { address, settings, spentThisMonth: await repository.autoTopUps.spentSince(wallet.id, monthStart(now)), now };
  });
}

/** Midnight UTC on the first of the month of `at`: monthly limits count from here. */
export function monthStart(at: Instant): Instant {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export function nextMonthStart(at: Instant): Instant {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

async function parseAutoTopUp(
  dependencies: AppDependencies,
  context: RequestContext,
  input: AutoTopUpInput,
  wallet: { scale: number; customerId: string },
): Promise<AutoTopUpConfig> {
  const param = (name: string) => `autoTopUp.${name}`;
  const threshold = parseAmount(input.threshold, { param: param('threshold'), scale: wallet.scale });
  if ((input.amount === undefined) === (input.targetBalance === undefined)) {
    throw validationError(param('amount'), 'Give exactly one of autoTopUp.amount (credits to buy) and autoTopUp.targetBalance (balance to top up to).');
  }
  // The check a purchase makes (purchases.ts, checkPurchaseTerms): a top-up buys through a purchase, and only a
  // known currency has a minor unit to price it in and can appear in a revenue report.
  const currency = requireCurrency(input.currency ?? dependencies.payments.settings.defaultCurrency, param('currency'));
  const unitPrice = parseAmount(input.unitPrice, { param: param('unitPrice') });
  const monthlyLimitMinor = input.monthlyLimit == null ? null : parsePrice(input.monthlyLimit, currency, param('monthlyLimit'));
  let smallest: Amount;
  let quantity: AutoTopUpQuantity;
  if (input.amount !== undefined) {
    const amount = parseAmount(input.amount, { param: param('amount'), scale: wallet.scale });
    quantity = { mode: 'fixed', amount };
    smallest = amount;
  } else {
    const targetBalance = parseAmount(input.targetBalance, { param: param('targetBalance'), scale: wallet.scale });
    if (targetBalance <= threshold) throw validationError(param('targetBalance'), 'autoTopUp.targetBalance must be above autoTopUp.threshold.');
    quantity = { mode: 'target', targetBalance };
    // The balance is below the threshold when a top-up starts, so it buys at least this much.
    smallest = targetBalance - threshold;
  }
  // Payment providers refuse tiny charges: every top-up must cost at least the minimum purchase price.
  if (priceOfCredits(smallest, unitPrice, currency) < minimumPriceMinor(currency)) {
    throw validationError(param('unitPrice'), `Every auto top-up must cost at least ${MINIMUM_PRICE} ${currency.toUpperCase()}; raise the amount or the unit price.`);
  }
  const method = await dependencies.store.read((repository) => repository.paymentMethods.get(context.environment.id, input.paymentMethodId));
  if (!method || method.customerId !== wallet.customerId) throw notFound('payment method of this customer', input.paymentMethodId, param('paymentMethodId'));
  // A test card cannot pay for live credits (providerFor refuses it).
  dependencies.payments.providerFor(context.environment, method.provider as PaymentProviderName);
  return Object.assign({}, quantity, { threshold, unitPrice, currency, paymentMethodId: method.id, monthlyLimitMinor });
}

/** A wallet's auto top-ups, newest first (an unknown wallet has none). */
export async function listAutoTopUps(
  dependencies: AppDependencies,
  context: RequestContext,
  reference: WalletReference,
  page: PageRequest,
): Promise<Page<AutoTopUpRecord>> {
  const { address } = await resolveWallet(dependencies, context, reference);
  return dependencies.store.read(async (repository) => {
    const wallet = await repository.wallets.find(address, { lock: false });
    if (!wallet) return { data: [], hasMore: false };
    return repository.autoTopUps.list(context.environment.id, { walletId: wallet.id }, page);
  });
}

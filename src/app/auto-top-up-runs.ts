import type { Instant } from '../domain/types.ts';
import type { ChargeResult, PaymentProviderName } from '../payments/payment-provider.ts';
import type { AutoTopUpRecord, PurchaseRecord } from '../store/payment-records.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import { openPaymentMethod } from './auto-top-up-payment-methods.ts';
import { monthStart, nextMonthStart } from './auto-top-up-settings.ts';
import { currentTime, type AppDependencies } from './dependencies.ts';
import { fingerprintOf } from './idempotency.ts';
import { openAutoTopUpPurchase } from './purchases.ts';
import { closePurchase, completePurchase } from './purchases-transitions.ts';
import { appendEvents } from './webhook-outbox.ts';
import { shownWalletKey } from './wallet-address.ts';

/** How long a node has to run a claimed top-up (a charge included) before another node may take it over. */
const CLAIM_LEASE_MS = 2 * 60_000;
/** Runs that failed with an error (not a decline: the provider unreachable, misconfigured) before the top-up is given up. */
export const MAX_TOP_UP_RUNS = 5;
/** After the n-th decline in a row, auto top-up pauses for base × 2^(n−1), at most the cap. */
export const DECLINE_BACKOFF_BASE_MS = 60 * 60_000;
export const DECLINE_BACKOFF_MAX_MS = 24 * 60 * 60_000;

/**
 * How long a charge the provider answered `processing` (a bank debit: SEPA takes up to 14 business days,
 * ACH up to 4) keeps its top-up and purchase open, from that answer. Its checks are not failed runs.
 */
export const PROCESSING_PAYMENT_WINDOW_MS = 30 * 24 * 60 * 60_000;
/** How often a processing charge is asked about again: a settlement takes days, so once an hour is prompt enough. */
export const PROCESSING_RECHECK_MS = 60 * 60_000;

export function declineBackoff(declines: number): number {
  return Math.min(DECLINE_BACKOFF_BASE_MS * 2 ** Math.max(0, declines - 1), DECLINE_BACKOFF_MAX_MS);
}

/**
 * One pass of the auto top-up worker, on every node. Requested top-ups (written
 * by a debit's transaction, balance-alerts.ts) are claimed with a lease under
 * SKIP LOCKED, then each one:
 * 1. checks the monthly limit (over it: skipped, paused to next month);
 * 2. opens its purchase (idempotent on the top-up's ID, so a retry finds it),
 *    with `auto_top_up.processing` in the same transaction;
 * 3. charges the saved payment method (idempotency key = the top-up's ID, so a
 *    retry after a crash is the same charge);
 * 4. completes the purchase (grant active, invoice paid) or fails it (grant
 *    voided, invoice void, backoff), and clears the wallet's in-flight mark.
 * Every step is safe to repeat, so a node dying anywhere leaves work the next
 * lease holder finishes. Returns how many top-ups it finished.
 */
export async function runAutoTopUps(
  dependencies: AppDependencies,
  options: { limit?: number; onError?: (error: unknown, topUpId: string) => void } = {},
): Promise<number> {
  const now = dependencies.clock.now();
  const claimed = await dependencies.store.transaction((repository) =>
    repository.autoTopUps.claimDue({ now, leaseUntil: now + CLAIM_LEASE_MS, limit: options.limit ?? 50 }),
  );
  let finished = 0;
  for (const topUpId of claimed) {
    try {
      if (await runTopUp(dependencies, topUpId)) finished += 1;
    } catch (error) {
      options.onError?.(error, topUpId);
      if (await giveUpWhenExhausted(dependencies, topUpId, error)) finished += 1;
    }
  }
  return finished;
}

async function runTopUp(dependencies: AppDependencies, topUpId: string): Promise<boolean> {
  const loaded = await dependencies.store.read(async (repository) => {
    const topUp = await repository.autoTopUps.get(topUpId);
    if (!topUp) return undefined;
    const environment = (await repository.accounts.getEnvironment(topUp.environmentId))!;
    const wallet = (await repository.wallets.getById(topUp.environmentId, topUp.walletId, { lock: false }))!;
    const stored = await repository.paymentMethods.get(topUp.environmentId, topUp.paymentMethodId);
    const method = stored && openPaymentMethod(dependencies, stored);
    const spent = await repository.autoTopUps.spentSince(topUp.walletId, monthStart(topUp.createdAt));
    const settings = await repository.walletSettings.get(topUp.walletId);
    const purchase = topUp.purchaseId === null ? undefined : await repository.purchases.get(topUp.environmentId, topUp.purchaseId);
    return { topUp, environment, wallet, method, spent, limit: settings?.autoTopUp?.monthlyLimitMinor ?? null, purchase };
  });
  if (!loaded || (loaded.topUp.status !== 'processing' && loaded.topUp.status !== 'requested')) return false;
  const { topUp, environment, wallet, method } = loaded;
  const requestId = `auto-top-up:${topUp.id}`;
  const pending = loaded.purchase;
  if (pending && pending.paymentReference !== null) {
    // A payment already made (a bank debit that was processing): ask about it, never charge again. After a day the
    // provider may have forgotten the idempotency key, and before that a replay repeats the first answer. It needs
    // no saved method: the customer may have removed it while the debit settles.
    const provider = dependencies.payments.provider(pending.provider);
    const charge = await provider.checkCharge({ paymentReference: pending.paymentReference });
    return settle(dependencies, { topUp, environment, purchase: pending, charge, requestId });
  }
  if (!method) return finish(dependencies, { topUp, environment, status: 'skipped', reason: 'payment_method_missing' });
  if (topUp.purchaseId === null && loaded.limit !== null && loaded.spent + topUp.priceMinor > loaded.limit) {
    return finish(dependencies, { topUp, environment, status: 'skipped', reason: 'monthly_limit_reached', pauseUntil: nextMonthStart(topUp.createdAt) });
  }
  const provider = dependencies.payments.provider(method.provider as PaymentProviderName);
  const context = { environment, requestId };
  let purchaseId = topUp.purchaseId;
  if (purchaseId === null) {
    const outcome = await openAutoTopUpPurchase(dependencies, {
      context,
      address: { environmentId: wallet.environmentId, customerId: wallet.customerId, unit: wallet.unit, walletKey: wallet.walletKey },
      amount: topUp.amount,
      priceMinor: topUp.priceMinor,
      currency: topUp.currency,
      provider,
      idempotency: { key: `auto-top-up:${topUp.id}`, fingerprint: fingerprintOf('auto-top-up', topUp.id) },
      // The purchase is open and the charge is next: the top-up is processing until finish() ends it, which a
      // provider error or a crash can delay by lease periods (MAX_TOP_UP_RUNS). Written once, with the purchase.
      also: async (repository, purchase) => {
        await repository.autoTopUps.setPurchase(topUp.id, purchase.id);
        const data = topUpEventData(topUp.id, purchase, purchase.id, null);
        await appendEvents(dependencies, repository, { environmentId: topUp.environmentId, at: purchase.createdAt, events: [{ type: 'auto_top_up.processing', data }] });
      },
    });
    purchaseId = (outcome.body as { id: string }).id;
  }
  const purchase = (await dependencies.store.read((repository) => repository.purchases.get(topUp.environmentId, purchaseId!)))!;
  const charge = await provider.chargeSavedMethod({
    paymentMethod: method,
    amountMinor: topUp.priceMinor,
    currency: topUp.currency,
    description: `Auto top-up: ${purchase.id}`,
    purchaseId: purchase.id,
    idempotencyKey: `creditbook-auto-top-up-${topUp.id}`,
  });
  return settle(dependencies, { topUp, environment, purchase, charge, requestId });
}

/**
 * Acts on what the provider said of a top-up's charge. Succeeded: the purchase is paid (once: the transition is
 * guarded) and the top-up succeeds. Declined: the purchase fails. Processing: both stay open, no grant yet; the
 * payment is remembered on the purchase, whose window becomes PROCESSING_PAYMENT_WINDOW_MS from this first
 * answer, and the top-up is looked at again in PROCESSING_RECHECK_MS without that run counting as a failed one.
 * Still processing once that window has passed (or the purchase closed), the top-up is given up.
 */
async function settle(
  dependencies: AppDependencies,
  input: { topUp: AutoTopUpRecord; environment: EnvironmentRecord; purchase: PurchaseRecord; charge: ChargeResult; requestId: string },
): Promise<boolean> {
  const { environment, purchase, charge, requestId } = input;
  const topUp = { ...input.topUp, purchaseId: purchase.id };
  if (charge.outcome === 'succeeded') {
    const result = await completePurchase(dependencies, { purchase, paymentReference: charge.paymentReference, requestId });
    // 'late': the purchase had closed before the charge went through; the payment is recorded on it for a refund.
    return finish(dependencies, { topUp, environment, status: 'succeeded', reason: result.outcome === 'late' ? 'paid_after_purchase_closed' : null });
  }
  if (charge.outcome === 'declined') {
    await closePurchase(dependencies, { purchase, status: 'failed', requestId });
    return finish(dependencies, { topUp, environment, status: 'declined', reason: charge.reason });
  }
  const now = currentTime(dependencies, environment);
  if (purchase.paymentReference === null) {
    await dependencies.store.transaction((repository) =>
      repository.purchases.recordPendingPayment(purchase.id, { paymentReference: charge.paymentReference, payUntil: now + PROCESSING_PAYMENT_WINDOW_MS }),
    );
  } else if (purchase.status !== 'open' || now >= purchase.paymentExpiresAt) {
    await closePurchase(dependencies, { purchase, status: 'failed', requestId });
    return finish(dependencies, { topUp, environment, status: 'skipped', reason: 'payment_still_processing' });
  }
  await dependencies.store.transaction((repository) => repository.autoTopUps.deferProcessing(topUp.id, { until: dependencies.clock.now() + PROCESSING_RECHECK_MS }));
  return false;
}

/**
 * Ends a top-up once and releases the wallet for the next one, under the wallet
 * lock (so no debit reads the settings half-way). A decline pauses auto top-up
 * with exponential backoff; a success clears the backoff.
 */
async function finish(
  dependencies: AppDependencies,
  input: { topUp: AutoTopUpRecord; environment: EnvironmentRecord; status: 'succeeded' | 'declined' | 'skipped'; reason: string | null; pauseUntil?: Instant },
): Promise<boolean> {
  const { topUp, environment } = input;
  return dependencies.store.transaction(async (repository) => {
    const wallet = (await repository.wallets.getById(topUp.environmentId, topUp.walletId, { lock: true }))!;
    const at = currentTime(dependencies, environment);
    if (!(await repository.autoTopUps.finish(topUp.id, { status: input.status, reason: input.reason, at }))) return false;
    const settings = await repository.walletSettings.get(topUp.walletId);
    if (settings) {
      const declines = input.status === 'declined' ? settings.declines + 1 : input.status === 'succeeded' ? 0 : settings.declines;
      const pausedUntil = input.status === 'declined' ? at + declineBackoff(declines) : input.status === 'succeeded' ? null : (input.pauseUntil ?? settings.pausedUntil);
      await repository.walletSettings.upsert({
        ...settings,
        topUpInFlight: settings.topUpInFlight === topUp.id ? null : settings.topUpInFlight,
        declines,
        pausedUntil,
        updatedAt: at,
      });
    }
    const data = topUpEventData(topUp.id, { walletId: wallet.id, customerId: wallet.customerId, unit: wallet.unit, walletKey: wallet.walletKey }, topUp.purchaseId, input.reason);
    await appendEvents(dependencies, repository, { environmentId: topUp.environmentId, at, events: [{ type: `auto_top_up.${input.status}`, data }] });
    return true;
  });
}

/** The data of auto_top_up.processing and of the events that end a top-up: one shape for all of them. */
function topUpEventData(
  autoTopUpId: string,
  wallet: { walletId: string; customerId: string; unit: string; walletKey: string },
  purchaseId: string | null,
  reason: string | null,
): Record<string, unknown> {
  // The wallet as auto_top_up.requested names it (balance-alerts.ts): a receiver needs no second read to know whose credits.
  return { autoTopUpId, walletId: wallet.walletId, customerId: wallet.customerId, unit: wallet.unit, walletKey: shownWalletKey(wallet.walletKey), purchaseId, reason };
}

/**
 * A top-up whose runs keep failing with an error (not a decline) would hold the
 * wallet's in-flight mark for ever and block every later top-up. After
 * MAX_TOP_UP_RUNS it is skipped and its purchase, if any, failed (the pending
 * grant voided), like a decline but without backoff.
 */
async function giveUpWhenExhausted(dependencies: AppDependencies, topUpId: string, error: unknown): Promise<boolean> {
  const loaded = await dependencies.store.read(async (repository) => {
    const topUp = await repository.autoTopUps.get(topUpId);
    if (!topUp || topUp.attempts < MAX_TOP_UP_RUNS) return undefined;
    const environment = (await repository.accounts.getEnvironment(topUp.environmentId))!;
    const purchase = topUp.purchaseId === null ? undefined : await repository.purchases.get(topUp.environmentId, topUp.purchaseId);
    return { topUp, environment, purchase };
  });
  if (!loaded) return false;
  const { purchase } = loaded;
  // A payment still settling within its window is not given up for errors in asking about it (the provider
  // unreachable for a while): failing its purchase would leave money that arrives later uncredited.
  if (purchase && purchase.paymentReference !== null && purchase.status === 'open' && currentTime(dependencies, loaded.environment) < purchase.paymentExpiresAt) {
    return false;
  }
  if (loaded.purchase) await closePurchase(dependencies, { purchase: loaded.purchase, status: 'failed', requestId: `auto-top-up:${topUpId}` });
  const reason = `error: ${(error instanceof Error ? error.message : String(error)).slice(0, 200)}`;
  return finish(dependencies, { topUp: loaded.topUp, environment: loaded.environment, status: 'skipped', reason });
}

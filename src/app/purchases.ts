import { checkMetadataKeys } from '../domain/metadata.ts';
import { formatAmount, type Amount } from '../domain/amount.ts';
import { validationError } from '../domain/errors.ts';
import type { Instant } from '../domain/types.ts';
import { formatMinor, minorToAmount } from '../payments/money.ts';
import type { PaymentProvider, PaymentProviderName } from '../payments/payment-provider.ts';
import type { GrantRecord, Metadata, WalletAddress } from '../store/records.ts';
import type { InvoiceRecord, PurchaseRecord, PurchaseSource } from '../store/payment-records.ts';
import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { DEFAULT_PRIORITY } from './grants.ts';
import { checkPurchaseTerms } from './purchase-terms.ts';
import { findReplay, idempotencyIn, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';
import { resolveWallet, shownWalletKey, type WalletReference } from './wallet-address.ts';
import { runWalletOperation } from './wallet-operation.ts';
import { appendEvents } from './webhook-outbox.ts';

/** What a purchase request asks for. Times are instants; `amount` is credits (string or number), `price` a decimal string. */
export interface CreatePurchaseInput extends WalletReference {
  /** Credits to grant once paid. */
  amount: unknown;
  /** What the customer pays, a decimal string in `currency` (at least "0.50"). */
  price: string;
  /** Lower-case ISO 4217; default: the server's DEFAULT_CURRENCY (usd). */
  currency?: string | undefined;
  effectiveAt?: Instant | undefined;
  expiresAt?: Instant | null | undefined;
  priority?: number | undefined;
  name?: string | null | undefined;
  metadata?: Metadata | undefined;
  appliesTo?: string[] | undefined;
  successUrl?: string | null | undefined;
  cancelUrl?: string | null | undefined;
  /** When the checkout stops taking payment; default 24 hours from now. */
  paymentExpiresAt?: Instant | undefined;
  /** Default: `test` in test environments, `stripe` in live ones. */
  provider?: PaymentProviderName | undefined;
}

export interface PurchaseWithInvoice {
  purchase: PurchaseRecord;
  invoice: InvoiceRecord;
}

export type PresentPurchase = (purchase: PurchaseWithInvoice, now: Instant) => Presented;

/** How long an auto top-up's purchase may stay open while its charge is retried. */
const AUTO_TOP_UP_PAYMENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Starts a purchase of credits: an open invoice, a payment session at the
 * provider, and a `payment_pending` grant (category paid, cost basis = price)
 * that nothing can spend until the payment arrives (purchases-transitions.ts).
 *
 * The provider's session is made before the database transaction (never a
 * network call inside one) and after the idempotency lookup, so a replayed
 * request makes no new session. Keys are scoped to the wallet and kept forever,
 * as for grants. This is also the entry point for vendor dialects (Paygentic's
 * grant purchase): they pass their own `present`.
 */
export async function createPurchase(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: CreatePurchaseInput; idempotency?: IdempotencyRequest | undefined; present: PresentPurchase },
): Promise<Outcome> {
  const { context, input } = request;
  const { address, unit } = await resolveWallet(dependencies, context, input);
  const payments = dependencies.payments;
  const { amount, currency, priceMinor } = checkPurchaseTerms(input, { scale: unit.scale, defaultCurrency: payments.settings.defaultCurrency });
  checkMetadataKeys(input.metadata);
  const provider = payments.providerFor(context.environment, input.provider);
  if (input.expiresAt != null && input.effectiveAt !== undefined && input.expiresAt <= input.effectiveAt) {
    throw validationError('expiresAt', 'expiresAt must be later than effectiveAt.');
  }
  const successUrl = checkedUrl(input.successUrl, 'successUrl');
  const cancelUrl = checkedUrl(input.cancelUrl, 'cancelUrl');
  // Checks against the clock come after the idempotency lookup, so a late retry of a purchase still replays.
  if (request.idempotency) {
    const replay = await findWalletReplay(dependencies, address, request.idempotency);
    if (replay) return replay;
  }
  const now = currentTime(dependencies, context.environment);
  const paymentExpiresAt = input.paymentExpiresAt ?? now + payments.settings.paymentWindowMs;
  if (paymentExpiresAt <= now) throw validationError('paymentExpiresAt', 'paymentExpiresAt must be in the future.');
  provider.checkPaymentWindow({ now, expiresAt: paymentExpiresAt });
  const purchaseId = dependencies.newId('pur');
  const session = await provider.createCheckoutSession({
    purchaseId,
    environmentId: context.environment.id,
    customerId: address.customerId,
    amountMinor: priceMinor,
    currency,
    description: `${formatAmount(amount)} ${unit.name ?? unit.code}`,
    successUrl,
    cancelUrl,
    expiresAt: paymentExpiresAt,
  });
  return writePurchase(dependencies, {
    context,
    address,
    purchaseId,
    amount,
    priceMinor,
    currency,
    provider,
    source: 'checkout',
    session,
    paymentExpiresAt,
    successUrl,
    cancelUrl,
    grant: input,
    idempotency: request.idempotency,
    present: request.present,
  });
}

/** An auto top-up's purchase: no checkout; the worker charges the saved payment method (auto-top-up-runs.ts). */
export function openAutoTopUpPurchase(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    address: WalletAddress;
    amount: Amount;
    priceMinor: bigint;
    currency: string;
    provider: PaymentProvider;
    idempotency: IdempotencyRequest;
    also: (repository: Repository, purchase: PurchaseRecord) => Promise<void>;
  },
): Promise<Outcome> {
  return writePurchase(
    dependencies,
    Object.assign({}, request, {
      purchaseId: dependencies.newId('pur'),
      source: 'auto_top_up' as const,
      session: null,
      paymentExpiresAt: currentTime(dependencies, request.context.environment) + AUTO_TOP_UP_PAYMENT_WINDOW_MS,
      successUrl: null,
      cancelUrl: null,
      grant: { name: 'Auto top-up' },
      present: ({ purchase }: { purchase: PurchaseRecord }) => ({ status: 201, body: { id: purchase.id } }),
    }),
  );
}

interface PurchasePlan {
  context: RequestContext;
  address: WalletAddress;
  purchaseId: string;
  amount: Amount;
  priceMinor: bigint;
  currency: string;
  provider: PaymentProvider;
  source: PurchaseSource;
  session: { id: string; url: string } | null;
  paymentExpiresAt: Instant;
  successUrl: string | null;
  cancelUrl: string | null;
  grant: Pick<CreatePurchaseInput, 'effectiveAt' | 'expiresAt' | 'priority' | 'name' | 'metadata' | 'appliesTo'>;
  idempotency?: IdempotencyRequest | undefined;
  present: PresentPurchase;
  also?: (repository: Repository, purchase: PurchaseRecord) => Promise<void>;
}

/** The one write of a new purchase: pending grant, purchase, invoice and `purchase.created`, in the wallet's transaction. */
function writePurchase(dependencies: AppDependencies, plan: PurchasePlan): Promise<Outcome> {
  const { context, address, grant: terms } = plan;
  const grantId = dependencies.newId('grt');
  const invoiceId = dependencies.newId('inv');
  const metadata = terms.metadata ?? {};
  return runWalletOperation(dependencies, {
    context,
    address,
    ifMissing: 'create',
    ...idempotencyIn('wallet', plan.idempotency),
    compute: (engine, loaded) => ({
      walletId: loaded.wallet.id,
      state: engine.addGrant({
        id: grantId,
        amount: plan.amount,
        category: 'paid',
        priority: terms.priority ?? DEFAULT_PRIORITY,
        effectiveAt: terms.effectiveAt ?? engine.now,
        expiresAt: terms.expiresAt ?? null,
        appliesTo: terms.appliesTo ?? [],
        paymentPending: true,
        source: 'purchase',
      }),
    }),
    persist: async (repository, { walletId, state }, _effects, at): Promise<PurchaseWithInvoice> => {
      const grant: GrantRecord = Object.assign({}, state, address, {
        walletId,
        recurrencePeriod: null,
        name: terms.name ?? null,
        metadata,
        costAmount: minorToAmount(plan.priceMinor, plan.currency),
        costCurrency: plan.currency,
      });
      await repository.grants.insert(grant);
      // The address spelled out: Node 20 builds what follows a leading spread on its slow path.
      const purchase: PurchaseRecord = {
        environmentId: address.environmentId,
        customerId: address.customerId,
        unit: address.unit,
        walletKey: address.walletKey,
        id: plan.purchaseId,
        walletId,
        grantId,
        invoiceId,
        status: 'open',
        source: plan.source,
        amount: plan.amount,
        priceMinor: plan.priceMinor,
        currency: plan.currency,
        provider: plan.provider.name,
        sessionId: plan.session?.id ?? null,
        sessionUrl: plan.session?.url ?? null,
        paymentExpiresAt: plan.paymentExpiresAt,
        paymentReference: null,
        successUrl: plan.successUrl,
        cancelUrl: plan.cancelUrl,
        metadata,
        createdAt: at,
        paidAt: null,
        closedAt: null,
        latePaymentReference: null,
        latePaymentAt: null,
      };
      const invoice: InvoiceRecord = {
        id: invoiceId,
        environmentId: address.environmentId,
        customerId: address.customerId,
        purchaseId: purchase.id,
        status: 'open',
        currency: plan.currency,
        amountMinor: plan.priceMinor,
        lines: [{ description: terms.name ?? `${formatAmount(plan.amount)} ${address.unit}`, quantity: formatAmount(plan.amount), unit: address.unit, amount: Number(plan.priceMinor) }],
        createdAt: at,
        paidAt: null,
        voidedAt: null,
      };
      await repository.purchases.insert(purchase);
      await repository.invoices.insert(invoice);
      await appendEvents(dependencies, repository, { environmentId: address.environmentId, at, events: [{ type: 'purchase.created', data: purchaseEventData(purchase) }] });
      await plan.also?.(repository, purchase);
      return { purchase, invoice };
    },
    present: (written, _effects, _loaded, at) => plan.present(written, at),
  });
}

/** A stored response for this key in the wallet's scope, read before any session is made (or undefined). */
async function findWalletReplay(dependencies: AppDependencies, address: WalletAddress, idempotency: IdempotencyRequest): Promise<Outcome | undefined> {
  return dependencies.store.read(async (repository) => {
    const wallet = await repository.wallets.find(address, { lock: false });
    if (!wallet) return undefined;
    return findReplay({ repository, environmentId: address.environmentId, scope: `wallet:${wallet.id}`, request: idempotency });
  });
}

/** Redirect targets must be absolute http(s) URLs: the browser goes there after paying or cancelling. */
export function checkedUrl(value: string | null | undefined, param: string): string | null {
  if (value === undefined || value === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw validationError(param, `'${param}' must be an absolute http or https URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw validationError(param, `'${param}' must be an absolute http or https URL.`);
  return value;
}

/** What purchase.* events carry. */
export function purchaseEventData(purchase: PurchaseRecord): Record<string, unknown> {
  return {
    purchaseId: purchase.id,
    invoiceId: purchase.invoiceId,
    grantId: purchase.grantId,
    walletId: purchase.walletId,
    customerId: purchase.customerId,
    unit: purchase.unit,
    walletKey: shownWalletKey(purchase.walletKey),
    amount: formatAmount(purchase.amount),
    price: formatMinor(purchase.priceMinor, purchase.currency),
    currency: purchase.currency,
    source: purchase.source,
  };
}

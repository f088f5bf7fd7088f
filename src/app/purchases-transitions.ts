import type { Instant } from '../domain/types.ts';
import { formatMinor } from '../payments/money.ts';
import type { EnvironmentRecord, WalletRecord } from '../store/records.ts';
import type { ClosedPurchaseStatus, PurchaseRecord } from '../store/payment-records.ts';
import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type Actor, type AppDependencies } from './dependencies.ts';
import { purchaseEventData } from './purchases.ts';
import { bookOnLockedWallet } from './wallet-operation.ts';
import { appendEvents, type OutboxEvent } from './webhook-outbox.ts';

/**
 * The transitions of a purchase. Each runs in one transaction that first locks
 * the purchase's wallet row, then re-reads the purchase: whoever comes second
 * (a retried notification, another node, the expiry sweep racing a payment)
 * sees the first one's result and changes nothing. The status update is also
 * guarded (`WHERE status = 'open'`), so a transition can only ever happen once.
 *
 *   open ── payment ──────────────→ paid      invoice paid, grant active, cost basis kept
 *   open ── expiry / cancel / decline → expired | canceled | failed
 *                                             invoice void, pending grant voided (never spendable)
 *
 * A payment reported for a purchase that has already closed is not credited; it
 * is recorded on the purchase (`latePayment`) so it can be refunded.
 */

export type PaymentResult = { outcome: 'paid' | 'already_paid' | 'late'; purchase: PurchaseRecord };
export type CloseResult = { changed: boolean; purchase: PurchaseRecord };

export async function completePurchase(
  dependencies: AppDependencies,
  input: { purchase: PurchaseRecord; paymentReference: string | null; requestId?: string; actor?: Actor | undefined },
): Promise<PaymentResult> {
  return onLockedPurchase(dependencies, input.purchase, async (repository, current, environment, wallet) => {
    if (current.status === 'paid') return { outcome: 'already_paid', purchase: current };
    if (current.status !== 'open') {
      const at = currentTime(dependencies, environment);
      if (input.paymentReference !== null) await repository.purchases.recordLatePayment(current.id, { at, paymentReference: input.paymentReference });
      return { outcome: 'late', purchase: { ...current, latePaymentReference: current.latePaymentReference ?? input.paymentReference, latePaymentAt: current.latePaymentAt ?? at } };
    }
    const paid = await bookOnLockedWallet(dependencies, repository, wallet, {
      context: { environment, requestId: input.requestId ?? 'payment', ...(input.actor ? { actor: input.actor } : {}) },
      auditedObjectId: current.id,
      grantIds: [current.grantId],
      compute: (engine) => engine.confirmPayment(current.grantId),
      persist: async (transactionRepository, _grant, _effects, at): Promise<PurchaseRecord> => {
        await guarded(transactionRepository.purchases.markPaid(current.id, { at, paymentReference: input.paymentReference }), current.id);
        await transactionRepository.invoices.settle(current.invoiceId, { status: 'paid', at });
        return { ...current, status: 'paid', paidAt: at, paymentReference: input.paymentReference };
      },
    });
    // After the engine's own events (grant.updated), in the same transaction.
    await appendEvents(dependencies, repository, { environmentId: current.environmentId, at: paid.paidAt!, events: paidEvents(paid) });
    return { outcome: 'paid', purchase: paid };
  });
}

export async function closePurchase(
  dependencies: AppDependencies,
  input: { purchase: PurchaseRecord; status: ClosedPurchaseStatus; requestId?: string; actor?: Actor | undefined },
): Promise<CloseResult> {
  return onLockedPurchase(dependencies, input.purchase, async (repository, current, environment, wallet) => {
    if (current.status !== 'open') return { changed: false, purchase: current };
    const closed = await bookOnLockedWallet(dependencies, repository, wallet, {
      context: { environment, requestId: input.requestId ?? 'payment', ...(input.actor ? { actor: input.actor } : {}) },
      auditedObjectId: current.id,
      grantIds: [current.grantId],
      compute: (engine) => engine.voidGrant(current.grantId),
      persist: async (transactionRepository, _grant, _effects, at): Promise<PurchaseRecord> => {
        await guarded(transactionRepository.purchases.markClosed(current.id, { status: input.status, at }), current.id);
        await transactionRepository.invoices.settle(current.invoiceId, { status: 'void', at });
        return { ...current, status: input.status, closedAt: at };
      },
    });
    await appendEvents(dependencies, repository, { environmentId: current.environmentId, at: closed.closedAt!, events: closedEvents(closed, input.status, closed.closedAt!) });
    return { changed: true, purchase: closed };
  });
}

/** Runs `work` in a transaction holding the purchase's wallet lock, with the purchase as committed now. */
function onLockedPurchase<Result>(
  dependencies: AppDependencies,
  purchase: PurchaseRecord,
  work: (repository: Repository, current: PurchaseRecord, environment: EnvironmentRecord, wallet: WalletRecord) => Promise<Result>,
): Promise<Result> {
  return dependencies.store.transaction(async (repository) => {
    const environment = await repository.accounts.getEnvironment(purchase.environmentId);
    const wallet = await repository.wallets.getById(purchase.environmentId, purchase.walletId, { lock: true });
    const current = await repository.purchases.get(purchase.environmentId, purchase.id);
    if (!environment || !wallet || !current) throw new Error(`Purchase ${purchase.id} or its wallet vanished.`);
    return work(repository, current, environment, wallet);
  });
}

/** Defence in depth: under the wallet lock the purchase was open, so the guarded update must take. */
async function guarded(update: Promise<boolean>, purchaseId: string): Promise<void> {
  if (!(await update)) throw new Error(`Purchase ${purchaseId} changed under its wallet lock.`);
}

/** An `invoice.*` event's data: the same fields whether the invoice was paid or voided (docs/purchases-and-webhooks.md). */
function invoiceEventData(purchase: PurchaseRecord) {
  return {
    invoiceId: purchase.invoiceId,
    purchaseId: purchase.id,
    grantId: purchase.grantId,
    customerId: purchase.customerId,
    amount: Number(purchase.priceMinor),
    currency: purchase.currency,
  };
}

function paidEvents(purchase: PurchaseRecord): OutboxEvent[] {
  const invoice = invoiceEventData(purchase);
  return [
    { type: 'purchase.paid', data: Object.assign({}, purchaseEventData(purchase), { paymentReference: purchase.paymentReference }) },
    { type: 'invoice.paid', data: invoice },
    // Paygentic's shape: consumers correlate the purchase response with the grant it paid for.
    { type: 'invoice.paid.v0', data: { invoiceId: purchase.invoiceId, grantId: purchase.grantId, customerId: purchase.customerId, amount: formatMinor(purchase.priceMinor, purchase.currency), currency: purchase.currency } },
  ];
}

function closedEvents(purchase: PurchaseRecord, status: ClosedPurchaseStatus, at: Instant): OutboxEvent[] {
  return [
    { type: `purchase.${status}`, data: purchaseEventData(purchase) },
    { type: 'invoice.voided', data: Object.assign(invoiceEventData(purchase), { voidedAt: new Date(at).toISOString() }) },
  ];
}

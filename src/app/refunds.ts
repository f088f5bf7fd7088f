import { formatAmount, parseAmount } from '../domain/amount.ts';
import { notFound, stateConflict } from '../domain/errors.ts';
import { refundUnusedCredits } from '../domain/refund.ts';
import { formatMinor } from '../payments/money.ts';
import type { CreditNoteRecord, PurchaseRecord } from '../store/payment-records.ts';
import type { Page, PageRequest } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { idempotencyIn, type IdempotencyRequest } from './idempotency.ts';
import { pageInIdWindows } from './list-windows.ts';
import { purchaseEventData } from './purchases.ts';
import { getPurchase } from './purchases-reads.ts';
import { resolveWallet } from './wallet-address.ts';
import { runWalletOperation } from './wallet-operation.ts';
import { appendEvents } from './webhook-outbox.ts';

/** The provider is called for a credit note only this long after it was made, by the sweep or a client retry alike: Stripe keeps an idempotency key 24 hours. */
export const REFUND_RETRY_WINDOW_MS = 23 * 60 * 60 * 1000;
/** The sweep leaves a credit note alone this long after it was made: its own request is still settling it. */
export const REFUND_SWEEP_DELAY_MS = 60 * 1000;

export interface RefundResult {
  creditNote: CreditNoteRecord;
  replayed: boolean;
}

/**
 * POST /v1/purchases/{id}/refund: refunds unused credits of a paid purchase
 * (docs/finance.md#refunds), in three steps, each safe to repeat:
 *
 * 1. One wallet transaction voids the credits (only what is available: never
 *    consumed or held credit), computes their money at cost basis by the
 *    cumulative method, and writes a pending credit note, the idempotency
 *    record and the audit row. Two refunds racing (or a refund racing a debit)
 *    serialise on the wallet lock: the second sees what the first left.
 * 2. After the commit, the provider refunds with the credit note's ID as its
 *    idempotency key: a retry is the same refund at the provider.
 * 3. The credit note is marked succeeded (`WHERE status = 'pending'`, once) and
 *    `purchase.refunded` is written in that transaction.
 *
 * A crash or a provider error after step 1 leaves the note pending: a retry of
 * the request (same Idempotency-Key) replays step 1 and resumes at step 2, and
 * so does the background sweep (`settlePendingRefunds`).
 */
export async function refundPurchase(
  dependencies: AppDependencies,
  request: { context: RequestContext; purchaseId: string; amount?: unknown; idempotency?: IdempotencyRequest | undefined },
): Promise<RefundResult> {
  const { context } = request;
  const { purchase } = await getPurchase(dependencies, context, request.purchaseId);
  const { address, unit } = await resolveWallet(dependencies, context, purchase);
  const requested = request.amount === undefined || request.amount === null ? null : parseAmount(request.amount, { scale: unit.scale });
  if (purchase.status !== 'paid') throw stateConflict(`Purchase '${purchase.id}' is ${purchase.status}; only a paid purchase can be refunded.`);
  const outcome = await runWalletOperation(dependencies, {
    context,
    address,
    ifMissing: () => notFound('purchase', purchase.id, 'id'),
    ...idempotencyIn('environment', request.idempotency),
    grantIds: [purchase.grantId],
    auditedObjectId: purchase.id,
    compute: (engine, loaded) => ({
      walletId: loaded.wallet.id,
      refunded: refundUnusedCredits(engine, { grantId: purchase.grantId, requested, basis: { price: purchase.priceMinor, credits: purchase.amount } }),
    }),
    persist: async (repository, { walletId, refunded }, _effects, at): Promise<CreditNoteRecord> => {
      const note: CreditNoteRecord = {
        id: dependencies.newId('cn'),
        environmentId: purchase.environmentId,
        customerId: purchase.customerId,
        walletId,
        purchaseId: purchase.id,
        grantId: purchase.grantId,
        credits: refunded.credits,
        amountMinor: refunded.money,
        currency: purchase.currency,
        ledgerSequence: refunded.sequence,
        provider: purchase.provider,
        status: 'pending',
        refundReference: null,
        attempts: 0,
        lastError: null,
        createdAt: at,
        refundedAt: null,
      };
      await repository.creditNotes.insert(note);
      return note;
    },
    // What a replay needs to find the credit note again; the response shows the note as it is then.
    present: (note) => ({ status: 200, body: { creditNoteId: note.id } }),
  });
  const creditNoteId = (outcome.body as { creditNoteId: string }).creditNoteId;
  return { creditNote: await settleCreditNote(dependencies, context.environment.id, creditNoteId), replayed: outcome.replayed };
}

/**
 * Steps 2 and 3 for one credit note; a note already settled is returned as it
 * is. A provider error is recorded on the note, which stays pending.
 *
 * Two cases never call the provider (docs/finance.md#refunds):
 * - a note whose money is 0 (its credits were worth less than half a minor
 *   unit) succeeds at once with no provider reference: providers refuse a
 *   refund of 0;
 * - a pending note older than `REFUND_RETRY_WINDOW_MS` on its environment's
 *   clock is returned pending as it is, whoever asks (a client's retry or the
 *   sweep): the provider may have forgotten its idempotency key, so another
 *   call could refund twice. An operator settles it by hand.
 */
export async function settleCreditNote(dependencies: AppDependencies, environmentId: string, creditNoteId: string): Promise<CreditNoteRecord> {
  const loaded = await dependencies.store.read(async (repository) => {
    const note = await repository.creditNotes.get(environmentId, creditNoteId);
    const purchase = note && (await repository.purchases.get(environmentId, note.purchaseId));
    const environment = await repository.accounts.getEnvironment(environmentId);
    return note && purchase ? { note, purchase, now: environment ? currentTime(dependencies, environment) : dependencies.clock.now() } : undefined;
  });
  if (!loaded) throw new Error(`Credit note ${creditNoteId} or its purchase vanished.`);
  const { note, purchase, now } = loaded;
  if (note.status !== 'pending') return note;
  if (note.amountMinor === 0n) return markRefunded(dependencies, environmentId, purchase, note, null);
  if (now - note.createdAt >= REFUND_RETRY_WINDOW_MS) return note;
  let refundReference: string;
  try {
    const provider = dependencies.payments.provider(note.provider);
    ({ reference: refundReference } = await provider.refund({
      purchaseId: purchase.id,
      creditNoteId: note.id,
      paymentReference: purchase.paymentReference,
      amountMinor: note.amountMinor,
      currency: note.currency,
      idempotencyKey: `creditbook_${note.id}`,
    }));
  } catch (error) {
    await dependencies.store.transaction((repository) => repository.creditNotes.recordFailure(note.id, error instanceof Error ? error.message : String(error)));
    return (await dependencies.store.read((repository) => repository.creditNotes.get(environmentId, note.id)))!;
  }
  return markRefunded(dependencies, environmentId, purchase, note, refundReference);
}

/** Step 3: pending → succeeded and `purchase.refunded`, in one transaction. */
function markRefunded(dependencies: AppDependencies, environmentId: string, purchase: PurchaseRecord, note: CreditNoteRecord, refundReference: string | null): Promise<CreditNoteRecord> {
  return dependencies.store.transaction(async (repository) => {
    const environment = await repository.accounts.getEnvironment(environmentId);
    const at = environment ? currentTime(dependencies, environment) : dependencies.clock.now();
    // Once: whoever marks it first writes the event; another node settling it at once finds it done.
    if (await repository.creditNotes.markSucceeded(note.id, { at, refundReference })) {
      await appendEvents(dependencies, repository, { environmentId, at, events: [{ type: 'purchase.refunded', data: refundedEventData(purchase, { ...note, refundReference }) }] });
    }
    return (await repository.creditNotes.get(environmentId, note.id))!;
  });
}

/** The background sweep: settles credit notes left pending (a crash, a provider outage) while the provider still knows their key. */
export async function settlePendingRefunds(dependencies: AppDependencies, options: { onError: (error: unknown, id: string) => void }): Promise<number> {
  const pending = await dependencies.store.read((repository) =>
    repository.creditNotes.listPending({ now: dependencies.clock.now(), delayMs: REFUND_SWEEP_DELAY_MS, windowMs: REFUND_RETRY_WINDOW_MS, limit: 50 }),
  );
  for (const { id, environmentId } of pending) {
    try {
      await settleCreditNote(dependencies, environmentId, id);
    } catch (error) {
      options.onError(error, id);
    }
  }
  return pending.length;
}

/** What `purchase.refunded` carries. */
function refundedEventData(purchase: PurchaseRecord, note: CreditNoteRecord): Record<string, unknown> {
  return Object.assign({}, purchaseEventData(purchase), {
    creditNoteId: note.id,
    refundedCredits: formatAmount(note.credits),
    refundAmount: formatMinor(note.amountMinor, note.currency),
    refundReference: note.refundReference,
  });
}

export async function getCreditNote(dependencies: AppDependencies, context: RequestContext, creditNoteId: string): Promise<CreditNoteRecord> {
  const note = await dependencies.store.read((repository) => repository.creditNotes.get(context.environment.id, creditNoteId));
  if (!note) throw notFound('credit note', creditNoteId, 'id');
  return note;
}

/**
 * Credit notes, newest first: a purchase's in one read (an index range of a few); the environment's in windows of
 * the primary key a turn apart (list-windows.ts), which holds every environment's notes (25 ms a page for a small
 * environment beside one of 200,000, in one statement on SQLite). A note's status changes once; each window is its own
 * snapshot, and a note's place, its ID, never moves.
 */
export function listCreditNotes(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { purchaseId?: string },
  page: PageRequest,
  options: { windowRows?: number } = {},
): Promise<Page<CreditNoteRecord>> {
  const environmentId = context.environment.id;
  if (filters.purchaseId !== undefined) return dependencies.store.read((repository) => repository.creditNotes.list(environmentId, filters, page));
  return pageInIdWindows(
    dependencies,
    page,
    (repository, id) => repository.creditNotes.get(environmentId, id),
    (repository, input) => repository.creditNotes.listWindow(environmentId, {}, input),
    options,
  );
}

import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { findEntryOwner, findEntrySource, listLedgerEntries } from '../../app/ledger-reads.ts';
import { amountFromDecimalString, formatAmount, type Amount } from '../../domain/amount.ts';
import type { WalletRecord } from '../../store/records.ts';
import { Type } from '@sinclair/typebox';
import { DecimalText, decodeOffset, encodeOffset } from './chargebee-cursor.ts';
import { noSuch, parameterError } from './chargebee-errors.ts';
import { inTimeRange, type SortOrder, type TimeRange } from './chargebee-list-query.ts';
import type { OperationSource } from './chargebee-presenters.ts';
import { OperationGrouper, parseOperationId, type LedgerOperationFacts } from './ledger-operations.ts';
import { findSubscriptionCustomer, subscriptionWallets, walletKeyOf } from './subscription-accounts.ts';

/** Entries read per query, and per request before a page is returned short (with a next_offset to go on from). */
const BATCH = 200;
const SCAN_BUDGET = 5000;

const WalkStateSchema = Type.Object({
  after: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
  overdraft: Type.Record(Type.String({ maxLength: 200 }), DecimalText, { maxProperties: 1000 }),
});

interface WalkState extends Record<string, unknown> {
  /** The last entry walked past. */
  after: string | null;
  /** Overdraft drawn per wallet at that point (decimal strings; zero when absent). */
  overdraft: Record<string, string>;
}

/**
 * Lists a subscription's ledger operations by walking its wallets' ledger
 * entries (newest first by default), grouping them into operations. Filters
 * that the ledger cannot apply (type, created_at) are applied to whole
 * operations; a page may come back short after SCAN_BUDGET entries, with a
 * next_offset to continue from. Walking backwards starts from the wallets as
 * they are now and ignores entries booked after that read, so a page never
 * mixes two moments.
 */
export async function listOperations(
  dependencies: AppDependencies,
  context: RequestContext,
  query: { subscriptionId: string; unit?: string; order: SortOrder; limit: number; offset?: string; types?: Set<string>; createdAt?: TimeRange },
): Promise<{ items: LedgerOperationFacts[]; nextOffset?: string }> {
  const customerId = await findSubscriptionCustomer(dependencies, context, query.subscriptionId);
  const listName = `ledger_operations:${query.subscriptionId}:${query.unit ?? ''}:${query.order}`;
  const decoded = query.offset === undefined ? undefined : decodeOffset(query.offset, listName, WalkStateSchema);
  if (customerId === undefined) return { items: [] };
  const wallets = await subscriptionWallets(dependencies, context, query.subscriptionId, query.unit);
  const state: WalkState = decoded ?? {
    after: null,
    overdraft: query.order === 'desc' ? Object.fromEntries(wallets.filter((wallet) => wallet.overdraft !== 0n).map((wallet) => [wallet.id, formatAmount(wallet.overdraft)])) : {},
  };
  const items: LedgerOperationFacts[] = [];
  let nextOffset: string | undefined;
  await walk(dependencies, context, {
    address: { customerId, walletKey: walletKeyOf(query.subscriptionId), ...(query.unit === undefined ? {} : { unit: query.unit }) },
    wallets,
    order: query.order,
    state,
    visit: (operation, checkpoint, more) => {
      if (query.types?.has(operation.type) !== false && inTimeRange(operation.createdAt, query.createdAt)) items.push(operation);
      const pastRange =
        query.order === 'desc' ? query.createdAt?.from !== undefined && operation.createdAt < query.createdAt.from : query.createdAt?.until !== undefined && operation.createdAt >= query.createdAt.until;
      if (pastRange || !more) return 'stop';
      if (items.length >= query.limit || checkpoint.scanned >= SCAN_BUDGET) {
        nextOffset = encodeOffset(listName, checkpoint.state);
        return 'stop';
      }
      return 'continue';
    },
  });
  return { items, ...(nextOffset === undefined ? {} : { nextOffset }) };
}

/** One ledger operation by id, with the facts of its source object; Chargebee's 404 if there is none. */
export async function retrieveOperation(
  dependencies: AppDependencies,
  context: RequestContext,
  operationId: string,
): Promise<{ operation: LedgerOperationFacts; source: OperationSource }> {
  const missing = () => noSuch('Ledger operation', operationId, 'ledger_operation_id');
  const parsed = parseOperationId(operationId);
  const objectId = parsed.kind === 'release' ? parsed.holdId : parsed.kind === 'entry' ? parsed.ownerId : parsed.id;
  const origin = await findEntryOwner(dependencies, context, objectId, { orWallet: parsed.kind === 'entry' });
  if (!origin) throw missing();
  const { wallet } = origin;
  let found: LedgerOperationFacts | undefined;
  await walk(dependencies, context, {
    address: { customerId: wallet.customerId, unit: wallet.unit, walletKey: wallet.walletKey },
    wallets: [wallet],
    order: 'desc',
    state: { after: null, overdraft: { [wallet.id]: formatAmount(wallet.overdraft) } },
    visit: (operation, _checkpoint, more) => {
      if (operation.id === operationId) found = operation;
      // Every entry of an operation is booked after the object it came from was created.
      return found || !more || operation.createdAt < origin.createdAt ? 'stop' : 'continue';
    },
  });
  if (!found) throw missing();
  return { operation: found, source: await sourceOf(dependencies, context, found) };
}

/** What the ledger does not carry: the source object's metadata and, for captures and holds, the caller's times. */
export async function sourceOf(dependencies: AppDependencies, context: RequestContext, operation: LedgerOperationFacts): Promise<OperationSource> {
  const source = operation.source;
  if (!source || operation.type === 'release_authorization' || operation.type === 'expiry' || operation.type === 'void') return {};
  const found = await findEntrySource(dependencies, context, source);
  if (!found) return {};
  if (found.kind === 'debit') return { metadata: found.debit.metadata, occurredAt: found.debit.occurredAt };
  if (found.kind === 'hold') return { metadata: found.hold.metadata, autoReleaseAt: found.hold.expiresAt };
  return { metadata: found.grant.metadata };
}

interface Checkpoint {
  state: WalkState;
  scanned: number;
}

/**
 * Walks ledger entries of one address (a subscription, optionally one unit) in
 * `order`, from `state`, calling `visit` with each completed operation, the
 * state to resume after it, and whether anything may follow.
 */
async function walk(
  dependencies: AppDependencies,
  context: RequestContext,
  input: {
    address: { customerId: string; walletKey: string; unit?: string };
    wallets: WalletRecord[];
    order: SortOrder;
    state: WalkState;
    visit: (operation: LedgerOperationFacts, checkpoint: Checkpoint, more: boolean) => 'continue' | 'stop';
  },
): Promise<void> {
  const lastSequence = new Map(input.wallets.map((wallet) => [wallet.id, wallet.sequence]));
  let overdraft: Map<string, Amount>;
  try {
    overdraft = new Map(Object.entries(input.state.overdraft).map(([walletId, amount]) => [walletId, amountFromDecimalString(amount)]));
  } catch {
    throw parameterError('offset', "'offset' is not a next_offset of this list.");
  }
  const grouper = new OperationGrouper(input.order, overdraft);
  let fetchAfter = input.state.after;
  let previous = input.state.after;
  let scanned = 0;
  const checkpoint = (): Checkpoint => ({
    state: { after: previous, overdraft: Object.fromEntries([...grouper.overdraftState()].filter(([, amount]) => amount !== 0n).map(([id, amount]) => [id, formatAmount(amount)])) },
    scanned,
  });
  for (;;) {
    const page = await listLedgerEntries(dependencies, context, input.address, { limit: BATCH, startingAfter: fetchAfter, order: input.order }).catch((error: unknown) => {
        throw (error as { param?: string }).param === 'startingAfter' ? parameterError('offset', "'offset' is not a next_offset of this list.") : error;
      });
    for (const entry of page.data) {
      fetchAfter = entry.id;
      // Walking back from the wallets as read: entries booked since belong to a later first page.
      if (input.order === 'desc' && entry.sequence > (lastSequence.get(entry.walletId) ?? -1)) {
        previous = entry.id;
        continue;
      }
      scanned += 1;
      const completed = grouper.push(entry);
      if (completed && input.visit(completed, checkpoint(), true) === 'stop') return;
      previous = entry.id;
    }
    if (!page.hasMore || page.data.length === 0) {
      const last = grouper.finish();
      if (last) input.visit(last, checkpoint(), false);
      return;
    }
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import { validationError } from '../domain/errors.ts';
import type { LedgerEntryRecord, Page, PageRequest, WalletRecord } from '../store/records.ts';
import type { LedgerFilters } from '../store/repository/ledger-queries.ts';
import type { TimeRange, TimeWalkPage } from '../store/repository/pagination.ts';
import type { AppDependencies } from './dependencies.ts';
import { nextSlice, SLICE_SEQUENCES } from './sequence-slices.ts';

/**
 * A customer's ledger, read through its wallets (the ledger keeps no index by
 * customer: migration 18). The engine books a wallet's entries in the order they
 * take effect (`verify` checks it), so each wallet's own index by sequence is
 * also its index by time; the customer's entries are those of its wallets, merged
 * by `(effectiveAt, walletId, sequence)`.
 *
 * Invariants:
 * - Where each wallet's walk starts and ends (the cursor, an `effectiveAt` range)
 *   is found by binary search on its sequence, up to the sequence the wallet had
 *   when the walk listed the customer's wallets. The ledger is append-only, so
 *   those entries never change, and reads made one after another (a turn of the
 *   event loop apart) list them as one snapshot would.
 * - A read places one wallet, or covers at most `sliceSequences` of its sequence
 *   (a `type` filter may pass over many entries), so a sparse filter or a customer
 *   with many wallets costs time, never a long block.
 * - Entries that took effect in the same millisecond in two wallets list by
 *   wallet ID; within a wallet, by sequence (the environment-wide ledger breaks
 *   such ties by entry ID).
 */

/** A position in a customer's ledger: an entry's merge key. */
interface EntryPosition {
  effectiveAt: number;
  walletId: string;
  sequence: number;
}

export interface CustomerWalk {
  environmentId: string;
  customerId: string;
  unit?: string | undefined;
  walletKey?: string | undefined;
  type?: LedgerFilters['type'];
  effectiveAt?: TimeRange | undefined;
  /** Entries strictly beyond this one, in the walk's direction; null: from the start. */
  after: EntryPosition | null;
  descending: boolean;
  limit: number;
  sliceSequences?: number | undefined;
}

/** A wallet's part of a walk: the sequences [low, high] still to read, and what was read but not yet merged. */
interface WalletStream {
  wallet: WalletRecord;
  low: number;
  high: number;
  buffered: LedgerEntryRecord[];
}

/** The walk's first `limit` entries of the customer's ledger, in its order. */
export async function walkCustomerEntries(dependencies: AppDependencies, walk: CustomerWalk): Promise<LedgerEntryRecord[]> {
  const wallets = await dependencies.store.read((repository) => repository.wallets.listOfCustomer(walk.environmentId, walk.customerId, { unit: walk.unit, walletKey: walk.walletKey }));
  const streams: WalletStream[] = [];
  for (const [index, wallet] of wallets.entries()) {
    // Each wallet placed in a read of its own: its sequences up to the one just read never change.
    if (index > 0) await nextTurn();
    const { low, high } = await dependencies.store.read((repository) =>
      walletBounds(wallet, walk, (at, strictly) => repository.ledger.firstSequenceFrom(wallet.id, wallet.sequence, at, strictly)),
    );
    if (low <= high) streams.push({ wallet, low, high, buffered: [] });
  }
  const slice = walk.sliceSequences ?? SLICE_SEQUENCES;
  const merged: LedgerEntryRecord[] = [];
  let reads = 0;
  while (merged.length < walk.limit) {
    // Every stream with nothing buffered reads its next slice before the heads are compared.
    for (const stream of streams) {
      while (stream.buffered.length === 0 && stream.low <= stream.high) {
        if (reads++ > 0) await nextTurn();
        stream.buffered = await readSlice(dependencies, walk, stream, slice, walk.limit - merged.length);
      }
    }
    let next: WalletStream | undefined;
    for (const stream of streams) {
      if (stream.buffered.length === 0) continue;
      if (!next || comesFirst(stream.buffered[0]!, next.buffered[0]!, walk.descending)) next = stream;
    }
    if (!next) break;
    merged.push(next.buffered.shift()!);
  }
  return merged;
}

/** The sequences of `wallet` the walk covers: within its `effectiveAt` range and beyond its cursor. */
async function walletBounds(wallet: WalletRecord, walk: CustomerWalk, from: (at: number, strictly: boolean) => Promise<number>): Promise<{ low: number; high: number }> {
  let low = 1;
  let high = wallet.sequence;
  const range = walk.effectiveAt ?? {};
  if (range.gte !== undefined) low = Math.max(low, await from(range.gte, false));
  if (range.gt !== undefined) low = Math.max(low, await from(range.gt, true));
  if (range.lte !== undefined) high = Math.min(high, (await from(range.lte, true)) - 1);
  if (range.lt !== undefined) high = Math.min(high, (await from(range.lt, false)) - 1);
  const after = walk.after;
  if (after && walk.descending) {
    // Before the cursor: took effect earlier, or in the same millisecond in a wallet that sorts first.
    high = Math.min(high, after.walletId === wallet.id ? after.sequence - 1 : (await from(after.effectiveAt, wallet.id < after.walletId)) - 1);
  } else if (after) {
    low = Math.max(low, after.walletId === wallet.id ? after.sequence + 1 : await from(after.effectiveAt, wallet.id < after.walletId));
  }
  return { low, high };
}

async function readSlice(dependencies: AppDependencies, walk: CustomerWalk, stream: WalletStream, slice: number, limit: number): Promise<LedgerEntryRecord[]> {
  const { from, to } = nextSlice(stream.low, stream.high, slice, walk.descending);
  const filters = walk.type === undefined ? {} : { type: walk.type };
  const entries = await dependencies.store.read((repository) =>
    repository.ledger.walletSlice({ walletId: stream.wallet.id, from, to, descending: walk.descending, limit, filters }),
  );
  // Read up to the last entry returned; past it, if the slice was cut short by `limit`, nothing was read yet.
  const reached = entries.length === limit ? entries.at(-1)!.sequence : walk.descending ? from : to;
  if (walk.descending) stream.high = reached - 1;
  else stream.low = reached + 1;
  return entries;
}

function comesFirst(entry: LedgerEntryRecord, other: LedgerEntryRecord, descending: boolean): boolean {
  const order = entry.effectiveAt - other.effectiveAt || (entry.walletId < other.walletId ? -1 : entry.walletId > other.walletId ? 1 : entry.sequence - other.sequence);
  return descending ? order > 0 : order < 0;
}

/** A page of a customer's ledger (`filters.customerId`), newest first unless `order` is 'asc'. */
export async function listCustomerEntries(
  dependencies: AppDependencies,
  environmentId: string,
  customerId: string,
  filters: Omit<LedgerFilters, 'customerId' | 'grantId'>,
  page: PageRequest,
  options: { sliceSequences?: number } = {},
): Promise<Page<LedgerEntryRecord>> {
  const after = await positionOf(dependencies, environmentId, page.startingAfter);
  const entries = await walkCustomerEntries(dependencies, {
    environmentId,
    customerId,
    unit: filters.unit,
    walletKey: filters.walletKey,
    type: filters.type,
    effectiveAt: filters.effectiveAt,
    after,
    descending: page.order !== 'asc',
    limit: page.limit + 1,
    sliceSequences: options.sliceSequences,
  });
  return { data: entries.slice(0, page.limit), hasMore: entries.length > page.limit };
}

/** Where the entry `id` sits in any customer's ledger; a validation error if the environment has no such entry. */
export async function positionOf(dependencies: AppDependencies, environmentId: string, id: string | null): Promise<EntryPosition | null> {
  if (id === null) return null;
  const entry = await dependencies.store.read((repository) => repository.ledger.get(environmentId, id));
  if (!entry) throw validationError('startingAfter', `No ledger entry with id '${id}' to start after.`);
  return { effectiveAt: entry.effectiveAt, walletId: entry.walletId, sequence: entry.sequence };
}

/** One page of an export's walk over a customer's entries that took effect in [from, to), oldest first (ledger-export.ts). */
export async function pageCustomerEntriesByEffectiveTime(dependencies: AppDependencies, page: TimeWalkPage & { customerId: string }): Promise<LedgerEntryRecord[]> {
  return walkCustomerEntries(dependencies, {
    environmentId: page.environmentId,
    customerId: page.customerId,
    unit: page.unit,
    effectiveAt: { gte: page.from, lt: page.to },
    after: await positionOf(dependencies, page.environmentId, page.after?.id ?? null),
    descending: false,
    limit: page.limit,
  });
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import { validationError } from '../domain/errors.ts';
import type { GrantRecord, LedgerEntryRecord, Page, PageRequest } from '../store/records.ts';
import type { WalletSliceFilters, LedgerFilters } from '../store/repository/ledger-queries.ts';
import type { AppDependencies } from './dependencies.ts';
import { nextSlice, SLICE_SEQUENCES } from './sequence-slices.ts';

/**
 * A grant's ledger entries, read through its wallet (the ledger keeps no index
 * by grant: migration 17). They are the entries between the grant's first and
 * latest in its wallet's sequence that name it, in booking order.
 *
 * Invariants:
 * - The span is read once, when a walk starts; the ledger is append-only, so the
 *   entries in it never change, and reads made one after another list them as
 *   one snapshot would.
 * - A read covers at most `sliceSequences` of the wallet's sequence, and the next
 *   waits for a turn of the event loop: a grant whose entries are sparse among
 *   its wallet's (a paid grant drawn only when a promotional one runs out) costs
 *   time to list, never a long block of the loop.
 */

type GrantSpan = Pick<GrantRecord, 'id' | 'walletId' | 'firstEntrySequence' | 'lastEntrySequence'>;

export interface GrantEntryWalk {
  /** Sequences strictly beyond this one, in the walk's direction (a cursor); null: from the span's start. */
  after: number | null;
  descending: boolean;
  /** Stop once this many entries have been read. */
  limit: number;
  /** What every entry must also meet. */
  filters: WalletSliceFilters;
  sliceSequences?: number | undefined;
}

/** Reads a grant's entries in the walk's order, a slice at a time, until `limit` are read or the span ends. */
export async function* grantEntrySlices(dependencies: AppDependencies, grant: GrantSpan, walk: GrantEntryWalk): AsyncGenerator<LedgerEntryRecord[]> {
  if (grant.firstEntrySequence === null || grant.lastEntrySequence === null) return;
  const slice = walk.sliceSequences ?? SLICE_SEQUENCES;
  let low = grant.firstEntrySequence;
  let high = grant.lastEntrySequence;
  if (walk.after !== null) {
    if (walk.descending) high = Math.min(high, walk.after - 1);
    else low = Math.max(low, walk.after + 1);
  }
  let remaining = walk.limit;
  while (low <= high && remaining > 0) {
    const { from, to } = nextSlice(low, high, slice, walk.descending);
    const entries = await dependencies.store.read((repository) =>
      repository.ledger.walletSlice({ walletId: grant.walletId, grantId: grant.id, from, to, descending: walk.descending, limit: remaining, filters: walk.filters }),
    );
    if (walk.descending) high = from - 1;
    else low = to + 1;
    remaining -= entries.length;
    if (entries.length > 0) yield entries;
    if (low <= high && remaining > 0) await nextTurn();
  }
}

/** A page of a grant's entries in booking order, newest first unless `order` is 'asc'; `filters` narrow them further. */
export async function listGrantEntries(
  dependencies: AppDependencies,
  environmentId: string,
  grantId: string,
  filters: Omit<LedgerFilters, 'grantId'>,
  page: PageRequest,
  options: { sliceSequences?: number } = {},
): Promise<Page<LedgerEntryRecord>> {
  const { grant, cursor } = await dependencies.store.read(async (repository) => ({
    grant: await repository.grants.get(environmentId, grantId),
    cursor: page.startingAfter === null ? undefined : await repository.ledger.get(environmentId, page.startingAfter),
  }));
  if (page.startingAfter !== null && (!cursor || cursor.grantId !== grantId)) {
    throw validationError('startingAfter', `No ledger entry with id '${page.startingAfter}' of this grant to start after.`);
  }
  if (!grant) return { data: [], hasMore: false };
  const sliceFilters: WalletSliceFilters = Object.assign({}, filters, { environmentId });
  const walk = { after: cursor?.sequence ?? null, descending: page.order !== 'asc', limit: page.limit + 1, filters: sliceFilters, sliceSequences: options.sliceSequences };
  const data: LedgerEntryRecord[] = [];
  for await (const entries of grantEntrySlices(dependencies, grant, walk)) data.push(...entries);
  return { data: data.slice(0, page.limit), hasMore: data.length > page.limit };
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import { validationError } from '../domain/errors.ts';
import type { DebitRecord, Page, PageRequest, WalletRecord } from '../store/records.ts';
import type { DebitFilters } from '../store/repository/debit-queries.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';
import { nextSlice, SLICE_SEQUENCES } from './sequence-slices.ts';

/**
 * A customer's debits, read through its wallets (the debits keep no index by customer: migration 20),
 * in ID order.
 *
 * Invariants:
 * - A debit that took credit or overdrew names its ledger entries in its own wallet; one that did
 *   neither names none and is in `debits_unbooked` (verify checks both).
 * - A wallet's debits take IDs in the order they book (debit-ids.ts), so the debits its entries
 *   name, read by sequence, are in ID order: each wallet is a stream sorted by ID, and the customer's
 *   debits are those streams and the unbooked ones merged. Where a wallet's stream starts (the
 *   cursor) is found by binary search on the sequence.
 * - A wallet's walk goes up to the sequence it had when the walk listed the customer's wallets. The
 *   ledger is append-only, so those entries never change, and reads made one after another (a turn
 *   of the event loop apart) see them as one snapshot would.
 * - Every read covers at most `sliceSequences` of one wallet's sequence, or returns at most that many
 *   rows (32 at first, twice as many each read after), so a sparse filter or a long history costs time,
 *   never a long block, and a short page reads little.
 */

export interface CustomerDebitWalk {
  environmentId: string;
  customerId: string;
  unit?: string | undefined;
  walletKey?: string | undefined;
  /** Debits strictly beyond this ID in the walk's direction (any ID, debit or not); null: from the start. */
  after: string | null;
  /** Debits strictly short of this ID: the walk's far end; null: to the end. */
  before?: string | null | undefined;
  descending: boolean;
  sliceSequences?: number | undefined;
}

/** One source of debit IDs in the walk's order: `head` is the next, undefined once it has no more. */
interface DebitStream {
  head: string | undefined;
  advance(): Promise<void>;
}

/** One read transaction (`Store.read`). */
type Read = <T>(work: (repository: Repository) => Promise<T>) => Promise<T>;

/** The walk's debit IDs, in its order. Reads as it is pulled: a caller that stops early reads no further. */
export async function* customerDebitIds(dependencies: AppDependencies, walk: CustomerDebitWalk): AsyncGenerator<string> {
  let reads = 0;
  // Each read after the first waits a turn of the event loop: a long walk never holds it.
  const read: Read = async (work) => {
    if (reads++ > 0) await nextTurn();
    return dependencies.store.read(work);
  };
  const slice = walk.sliceSequences ?? SLICE_SEQUENCES;
  const wallets = await read((repository) => repository.wallets.listOfCustomer(walk.environmentId, walk.customerId, { unit: walk.unit, walletKey: walk.walletKey }));
  const streams: DebitStream[] = [new UnbookedStream(read, walk, slice)];
  for (const wallet of wallets) streams.push(await WalletStream.open(read, walk, wallet, slice));
  for (const stream of streams) await stream.advance();
  for (;;) {
    let next: DebitStream | undefined;
    for (const stream of streams) {
      if (stream.head === undefined) continue;
      if (!next || (walk.descending ? stream.head > next.head! : stream.head < next.head!)) next = stream;
    }
    if (!next) return;
    yield next.head!;
    await next.advance();
  }
}

/** A page of a customer's debits (`filters.customerId`), newest first unless `order` is 'asc'. */
export async function listCustomerDebits(
  dependencies: AppDependencies,
  environmentId: string,
  customerId: string,
  filters: Omit<DebitFilters, 'customerId'>,
  page: PageRequest,
  options: { sliceSequences?: number } = {},
): Promise<Page<DebitRecord>> {
  const cursor = page.startingAfter;
  if (cursor !== null && !(await dependencies.store.read((repository) => repository.debits.get(environmentId, cursor)))) {
    throw validationError('startingAfter', `No object with id '${cursor}' to start after.`);
  }
  const wanted = page.limit + 1;
  const found: DebitRecord[] = [];
  let pending: string[] = [];
  const fetchPending = async () => {
    const ids = pending;
    pending = [];
    const debits = await dependencies.store.read((repository) => repository.debits.getMany(environmentId, ids));
    for (const id of ids) {
      const debit = debits.get(id);
      if (!debit) throw new Error(`Debit ${id} is named by its wallet's ledger but not stored.`);
      if (matches(debit, filters)) found.push(debit);
    }
  };
  const walk = { environmentId, customerId, unit: filters.unit, walletKey: filters.walletKey, after: cursor, descending: page.order !== 'asc', sliceSequences: options.sliceSequences };
  for await (const id of customerDebitIds(dependencies, walk)) {
    pending.push(id);
    if (found.length + pending.length < wanted) continue;
    await fetchPending();
    if (found.length >= wanted) break;
  }
  if (pending.length > 0) await fetchPending();
  return { data: found.slice(0, page.limit), hasMore: found.length > page.limit };
}

function matches(debit: DebitRecord, filters: Omit<DebitFilters, 'customerId'>): boolean {
  return (filters.feature === undefined || debit.feature === filters.feature) && (filters.holdId === undefined || debit.holdId === filters.holdId);
}

/** Rows a stream's first read returns at most; each later read doubles it, up to the slice (a page needs few). */
const FIRST_READ_ROWS = 32;

/** The debits of one wallet named by its ledger entries, a slice of its sequence at a time. */
class WalletStream implements DebitStream {
  head: string | undefined;
  private buffered: string[] = [];
  private rows = FIRST_READ_ROWS;

  private constructor(
    private readonly read: Read,
    private readonly walletId: string,
    private readonly descending: boolean,
    private readonly slice: number,
    /** The sequences still to read. */
    private low: number,
    private high: number,
  ) {}

  static async open(read: Read, walk: CustomerDebitWalk, wallet: WalletRecord, slice: number): Promise<WalletStream> {
    const last = wallet.sequence;
    const from = (id: string, strictly: boolean) => firstSequenceNamingDebitFrom(read, wallet.id, last, id, strictly, slice);
    const before = walk.before ?? null;
    let low = 1;
    let high = last;
    if (walk.descending) {
      if (walk.after !== null) high = (await from(walk.after, false)) - 1;
      if (before !== null) low = await from(before, true);
    } else {
      if (walk.after !== null) low = await from(walk.after, true);
      if (before !== null) high = (await from(before, false)) - 1;
    }
    return new WalletStream(read, wallet.id, walk.descending, slice, low, high);
  }

  async advance(): Promise<void> {
    while (this.buffered.length === 0 && this.low <= this.high) {
      const { from, to } = nextSlice(this.low, this.high, this.slice, this.descending);
      const limit = Math.min(this.rows, this.slice);
      this.rows *= 2;
      const named = await this.read((repository) => repository.ledger.debitsNamed({ walletId: this.walletId, from, to, descending: this.descending, limit }));
      // Read up to the last entry returned; past it, if the slice was cut short by the limit, nothing was read yet.
      const reached = named.length === limit ? named.at(-1)!.sequence : this.descending ? from : to;
      if (this.descending) this.high = reached - 1;
      else this.low = reached + 1;
      // A debit's entries are booked together, so after the filter its name repeats only next to itself.
      let previous = this.buffered.at(-1) ?? this.head;
      for (const { debitId } of named) {
        if (debitId !== previous) this.buffered.push(debitId);
        previous = debitId;
      }
    }
    this.head = this.buffered.shift();
  }
}

/** The customer's debits that book no entry (`debits_unbooked`), a page of IDs at a time. */
class UnbookedStream implements DebitStream {
  head: string | undefined;
  private buffered: string[] = [];
  private after: string | null;
  private exhausted = false;
  private rows = FIRST_READ_ROWS;

  constructor(
    private readonly read: Read,
    private readonly walk: CustomerDebitWalk,
    private readonly maxRows: number,
  ) {
    this.after = walk.after;
  }

  async advance(): Promise<void> {
    if (this.buffered.length === 0 && !this.exhausted) {
      const { walk } = this;
      const limit = Math.min(this.rows, this.maxRows);
      this.rows *= 2;
      const bounds = { after: this.after, before: walk.before ?? null, descending: walk.descending, limit };
      const filters = { unit: walk.unit, walletKey: walk.walletKey };
      const debits = await this.read((repository) => repository.debits.listUnbookedOfCustomer(walk.environmentId, walk.customerId, filters, bounds));
      this.buffered = debits.map((debit) => debit.id);
      this.exhausted = debits.length < limit;
      this.after = this.buffered.at(-1) ?? this.after;
    }
    this.head = this.buffered.shift();
  }
}

/**
 * The first of a wallet's sequences 1..`last` from which on every entry that names a debit names one with an ID
 * at or above `id` (above it, when `strictly`), or `last + 1`: the wallet's debits take IDs in booking order, so
 * the entries before it name only lower ones. A binary search; each step reads the first entry from its middle that
 * names a debit, `slice` sequences a read (entries that name none, such as grants, are passed over).
 */
async function firstSequenceNamingDebitFrom(read: Read, walletId: string, last: number, id: string, strictly: boolean, slice: number): Promise<number> {
  let low = 1;
  let high = last + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    let named: { sequence: number; debitId: string } | undefined;
    for (let from = middle; from < high && !named; from += slice) {
      const to = Math.min(high - 1, from + slice - 1);
      [named] = await read((repository) => repository.ledger.debitsNamed({ walletId, from, to, descending: false, limit: 1 }));
    }
    if (named && (strictly ? named.debitId <= id : named.debitId < id)) low = named.sequence + 1;
    else high = middle;
  }
  return low;
}

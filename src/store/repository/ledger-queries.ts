import type { LedgerEntryRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { validationError } from '../../domain/errors.ts';
import { allFilters, equalityFilters, fetchKeysetPage, fetchWindow, rangeFilters, type TimeRange, type TimeWalkPage, type WindowStart } from './pagination.ts';
import { amountColumn, placeholders, readAmount, readOptionalText, readTime, type Row } from './row-mapping.ts';

const ENTRY_COLUMNS =
  'id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id, amount, held_amount, balance_after, held_after, effective_at, created_at';

const ENTRY_COLUMN_COUNT = 17;

/** Rows per multi-row INSERT; keeps parameter counts well under both databases' limits. */
const ENTRIES_PER_INSERT = 50;

export interface LedgerFilters {
  customerId?: string;
  unit?: string;
  walletKey?: string;
  grantId?: string;
  type?: LedgerEntryRecord['type'];
  /** Bounds on when entries took effect (epoch milliseconds). */
  effectiveAt?: TimeRange;
}

/** What the entries of a wallet's slice must also meet; `bookedBefore` bounds `createdAt` (exclusive). */
export type WalletSliceFilters = Omit<LedgerFilters, 'grantId'> & { environmentId?: string; bookedBefore?: number };

export class LedgerQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insertMany(entries: readonly LedgerEntryRecord[]): Promise<void> {
    for (let start = 0; start < entries.length; start += ENTRIES_PER_INSERT) {
      const end = Math.min(entries.length, start + ENTRIES_PER_INSERT);
      // One parameter array, filled in place: a debit books one or two entries, and a slice and a flatMap per debit showed in profiles.
      const params: unknown[] = [];
      for (let index = start; index < end; index += 1) pushEntryColumns(params, entries[index]!);
      await this.executor.run(insertEntriesSql(end - start), params);
    }
  }

  /**
   * A page of the environment's entries in the order they took effect,
   * `(effectiveAt, id)`, newest first unless `order` is 'asc': a range of
   * `ledger_entries_effective` (migration 13), so a page costs the same however
   * deep it is. A grant's or a customer's entries are not listed here: the
   * ledger has no index by either (migrations 17 and 18), and
   * `app/grant-entries.ts` and `app/customer-entries.ts` read them through their
   * wallets (`walletSlice`).
   */
  async list(environmentId: string, filters: LedgerFilters, page: PageRequest): Promise<Page<LedgerEntryRecord>> {
    if (filters.grantId !== undefined || filters.customerId !== undefined) throw new Error("A grant's or a customer's entries are read through their wallets.");
    const ascending = page.order === 'asc';
    const { where, params } = allFilters(
      equalityFilters({ environment_id: environmentId, unit: filters.unit, wallet_key: filters.walletKey, type: filters.type }),
      rangeFilters('effective_at', filters.effectiveAt),
    );
    if (page.startingAfter !== null) {
      const cursor = await this.listKeyOf(environmentId, page.startingAfter);
      where.push(`(effective_at, id) ${ascending ? '>' : '<'} (?, ?)`);
      params.push(...cursor);
    }
    const direction = ascending ? 'ASC' : 'DESC';
    const table = this.capabilities.indexedBy ? 'ledger_entries INDEXED BY ledger_entries_effective' : 'ledger_entries';
    const rows = await this.executor.all<Row>(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY effective_at ${direction}, id ${direction} LIMIT ?`, [...params, page.limit + 1]);
    return { data: rows.slice(0, page.limit).map(mapEntry), hasMore: rows.length > page.limit };
  }

  /** The key `(effective_at, id)` of the entry `id` in the environment's list; a validation error if there is none. */
  async listKeyOf(environmentId: string, id: string): Promise<unknown[]> {
    const cursor = await this.executor.get<Row>('SELECT effective_at, id FROM ledger_entries WHERE environment_id = ? AND id = ?', [environmentId, id]);
    if (!cursor) throw validationError('startingAfter', `No ledger entry with id '${id}' to start after.`);
    return [cursor.effective_at, cursor.id];
  }

  /**
   * One window of the environment's list (`list`'s order and filters) for filters `ledger_entries_effective` does
   * not serve (`unit`, `walletKey`, `type`): the next `window` entries of that index beyond `after` (a key from
   * `listKeyOf` or a window's `reached`), of which those that pass the filters, at most `limit` (fetchWindow).
   * app/ledger-reads.ts reads such windows a turn apart until a page is full. The `effectiveAt` bound on the walk's
   * near side is a key too, `(time, '')` (no ID is empty; times are whole milliseconds), and only the tighter of it
   * and `after` bounds the walk: SQLite's planner takes one bound a side, and the other would be a filter.
   */
  listWindow(
    environmentId: string,
    filters: LedgerFilters,
    input: { after: readonly unknown[] | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: LedgerEntryRecord[]; reached: unknown[] | null }> {
    if (filters.grantId !== undefined || filters.customerId !== undefined) throw new Error("A grant's or a customer's entries are read through their wallets.");
    const range = filters.effectiveAt ?? {};
    const after = input.after;
    let start: WindowStart | null = after === null ? null : { key: after, inclusive: false };
    let farBound: TimeRange;
    if (input.descending) {
      // Entries before `(below, '')`: that took effect before `below`.
      const below = Math.min(range.lt ?? Infinity, range.lte === undefined ? Infinity : range.lte + 1);
      if (below !== Infinity && (after === null || Number(after[0]) >= below)) start = { key: [below, ''], inclusive: false };
      farBound = { gt: range.gt, gte: range.gte } as TimeRange;
    } else {
      // Entries from `(from, '')` on: that took effect at or after `from`.
      const from = Math.max(range.gte ?? -Infinity, range.gt === undefined ? -Infinity : range.gt + 1);
      if (from !== -Infinity && (after === null || Number(after[0]) < from)) start = { key: [from, ''], inclusive: true };
      farBound = { lt: range.lt, lte: range.lte } as TimeRange;
    }
    return fetchWindow({
      executor: this.executor,
      table: this.capabilities.indexedBy ? 'ledger_entries INDEXED BY ledger_entries_effective' : 'ledger_entries',
      keyColumns: ['effective_at', 'id'],
      scope: equalityFilters({ environment_id: environmentId }),
      farBound: rangeFilters('effective_at', farBound),
      ...equalityFilters({ unit: filters.unit, wallet_key: filters.walletKey, type: filters.type }),
      start,
      descending: input.descending,
      window: input.window,
      limit: input.limit,
      map: mapEntry,
    });
  }

  /**
   * One slice of a wallet's entries: those with a sequence in [from, to] that
   * pass `filters` (and name `grantId`, if given), in sequence order, at most
   * `limit`. A range of the wallet's own index; rows that fail the filters are
   * read and passed over, so callers keep the range short.
   */
  async walletSlice(input: { walletId: string; grantId?: string; from: number; to: number; descending: boolean; limit: number; filters: WalletSliceFilters }): Promise<LedgerEntryRecord[]> {
    const { filters } = input;
    const conditions = allFilters(
      equalityFilters({ grant_id: input.grantId, environment_id: filters.environmentId, customer_id: filters.customerId, unit: filters.unit, wallet_key: filters.walletKey, type: filters.type }),
      rangeFilters('effective_at', filters.effectiveAt),
      rangeFilters('created_at', filters.bookedBefore === undefined ? undefined : { lt: filters.bookedBefore }),
    );
    const table = this.capabilities.indexedBy ? 'ledger_entries INDEXED BY ledger_entries_wallet_sequence' : 'ledger_entries';
    const where = ['wallet_id = ?', 'sequence >= ?', 'sequence <= ?', ...conditions.where];
    const direction = input.descending ? 'DESC' : 'ASC';
    const params = [input.walletId, input.from, input.to, ...conditions.params, input.limit];
    return (await this.executor.all<Row>(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY sequence ${direction} LIMIT ?`, params)).map(mapEntry);
  }

  /**
   * The entries of a wallet with a sequence in [from, to] that name a debit, in sequence order (ascending unless
   * `descending`), at most `limit`: each entry's sequence and debit. A range of `ledger_entries_wallet_sequence`;
   * how a customer's debits are read (app/customer-debits.ts).
   */
  async debitsNamed(input: { walletId: string; from: number; to: number; descending: boolean; limit: number }): Promise<Array<{ sequence: number; debitId: string }>> {
    const table = this.capabilities.indexedBy ? 'ledger_entries INDEXED BY ledger_entries_wallet_sequence' : 'ledger_entries';
    const rows = await this.executor.all<Row>(
      `SELECT sequence, debit_id FROM ${table} WHERE wallet_id = ? AND sequence >= ? AND sequence <= ? AND debit_id IS NOT NULL
       ORDER BY sequence ${input.descending ? 'DESC' : 'ASC'} LIMIT ?`,
      [input.walletId, input.from, input.to, input.limit],
    );
    return rows.map((row) => ({ sequence: Number(row.sequence), debitId: String(row.debit_id) }));
  }

  /**
   * The first of a wallet's sequences 1..`last` whose entry took effect at or
   * after `at` (after it, when `strictly`), or `last + 1` if none did. A binary
   * search, one lookup by sequence a step: entries take effect in sequence order
   * (the engine's invariant, which `verify` checks), so a wallet's entries are
   * ordered by time with no index of their own.
   */
  async firstSequenceFrom(walletId: string, last: number, at: number, strictly: boolean): Promise<number> {
    let low = 1;
    let high = last + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const row = await this.executor.get<Row>('SELECT effective_at FROM ledger_entries WHERE wallet_id = ? AND sequence = ?', [walletId, middle]);
      const effectiveAt = row ? readTime(row.effective_at) : Number.POSITIVE_INFINITY;
      if (strictly ? effectiveAt > at : effectiveAt >= at) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** One page of the environment's entries by when they took effect, in (effectiveAt, id) order: what exports walk (a customer's: app/customer-entries.ts). */
  pageByEffectiveTime(page: TimeWalkPage): Promise<LedgerEntryRecord[]> {
    if (page.customerId !== undefined) throw new Error("A customer's entries are read through their wallets.");
    return fetchKeysetPage({ executor: this.executor, capabilities: this.capabilities, table: 'ledger_entries', timeColumn: 'effective_at', page, filters: { unit: page.unit }, index: 'ledger_entries_effective', map: mapEntry });
  }

  async get(environmentId: string, id: string): Promise<LedgerEntryRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM ledger_entries WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapEntry(row);
  }

  /** A wallet's entries in sequence order, optionally only those effective within `effectiveAt`. */
  async loadForWallet(walletId: string, effectiveAt?: TimeRange): Promise<LedgerEntryRecord[]> {
    const range = rangeFilters('effective_at', effectiveAt);
    const sql = `SELECT * FROM ledger_entries WHERE ${['wallet_id = ?', ...range.where].join(' AND ')} ORDER BY sequence`;
    return (await this.executor.all<Row>(sql, [walletId, ...range.params])).map(mapEntry);
  }
}

const insertSqlByRowCount: string[] = [];

function insertEntriesSql(rows: number): string {
  insertSqlByRowCount[rows] ??= `INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES ${Array.from({ length: rows }, () => `(${placeholders(ENTRY_COLUMN_COUNT)})`).join(', ')}`;
  return insertSqlByRowCount[rows];
}

function pushEntryColumns(params: unknown[], entry: LedgerEntryRecord): void {
  params.push(
    entry.id,
    entry.environmentId,
    entry.customerId,
    entry.walletId,
    entry.unit,
    entry.walletKey,
    entry.sequence,
    entry.type,
    entry.grantId,
    entry.debitId,
    entry.holdId,
    amountColumn(entry.amount),
    amountColumn(entry.heldAmount),
    amountColumn(entry.balanceAfter),
    amountColumn(entry.heldAfter),
    entry.effectiveAt,
    entry.createdAt,
  );
}

export function mapEntry(row: Row): LedgerEntryRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    sequence: Number(row.sequence),
    type: row.type as LedgerEntryRecord['type'],
    grantId: readOptionalText(row.grant_id),
    debitId: readOptionalText(row.debit_id),
    holdId: readOptionalText(row.hold_id),
    amount: readAmount(row.amount),
    heldAmount: readAmount(row.held_amount),
    balanceAfter: readAmount(row.balance_after),
    heldAfter: readAmount(row.held_after),
    effectiveAt: readTime(row.effective_at),
    createdAt: readTime(row.created_at),
  };
}

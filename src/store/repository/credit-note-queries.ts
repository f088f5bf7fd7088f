import type { CreditNoteRecord, CreditNoteStatus } from '../payment-records.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchPage, idWindow } from './pagination.ts';
import { amountColumn, placeholders, readAmount, readMinor, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class CreditNoteQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(note: CreditNoteRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO credit_notes (id, environment_id, customer_id, wallet_id, purchase_id, grant_id, credits, amount_minor, currency, ledger_sequence,
         provider, status, refund_reference, attempts, last_error, created_at, refunded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        note.id,
        note.environmentId,
        note.customerId,
        note.walletId,
        note.purchaseId,
        note.grantId,
        amountColumn(note.credits),
        note.amountMinor.toString(),
        note.currency,
        note.ledgerSequence,
        note.provider,
        note.status,
        note.refundReference,
        note.attempts,
        note.lastError,
        note.createdAt,
        note.refundedAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<CreditNoteRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM credit_notes WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapCreditNote(row);
  }

  /**
   * The environment's credit notes, newest first, in one statement: a purchase's are a range of
   * `credit_notes_purchase` (a few); any other list walks the primary key through every environment's notes until a
   * page matches, so app/refunds.ts reads those in windows (`listWindow`).
   */
  list(environmentId: string, filters: { purchaseId?: string; status?: CreditNoteStatus }, page: PageRequest): Promise<Page<CreditNoteRecord>> {
    const { where, params } = equalityFilters({ purchase_id: filters.purchaseId, status: filters.status });
    const walksKey = this.capabilities.indexedBy && filters.purchaseId === undefined;
    return fetchPage({ executor: this.executor, table: 'credit_notes', environmentId, where, params, page, map: mapCreditNote, primaryKeyIndex: walksKey ? 'sqlite_autoindex_credit_notes_1' : undefined });
  }

  /**
   * One window of the environment's list, not by purchase: the next `window` IDs of the primary key beyond `after`
   * (an ID, of any environment's note), of which the environment's that pass the filters, at most `limit`
   * (fetchWindow). On SQLite the query names the key, as `list` does.
   */
  listWindow(
    environmentId: string,
    filters: { status?: CreditNoteStatus },
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: CreditNoteRecord[]; reached: string | null }> {
    const table = this.capabilities.indexedBy ? 'credit_notes INDEXED BY sqlite_autoindex_credit_notes_1' : 'credit_notes';
    return idWindow(this.executor, table, equalityFilters({ environment_id: environmentId, status: filters.status }), input, mapCreditNote);
  }

  /** The refund voids booked on these grants: `<wallet id>:<sequence>` of each. */
  async refundEntriesOf(grantIds: readonly string[]): Promise<Set<string>> {
    if (grantIds.length === 0) return new Set();
    const rows = await this.executor.all<Row>(`SELECT wallet_id, ledger_sequence FROM credit_notes WHERE grant_id IN (${placeholders(grantIds.length)})`, [...grantIds]);
    return new Set(rows.map((row) => `${String(row.wallet_id)}:${Number(row.ledger_sequence)}`));
  }

  /** pending → succeeded, once: false when another attempt got there first. */
  async markSucceeded(id: string, input: { at: number; refundReference: string | null }): Promise<boolean> {
    const changed = await this.executor.run(
      "UPDATE credit_notes SET status = 'succeeded', refund_reference = ?, refunded_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
      [input.refundReference, input.at, id],
    );
    return changed === 1;
  }

  async recordFailure(id: string, error: string): Promise<void> {
    await this.executor.run("UPDATE credit_notes SET attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'", [error.slice(0, 500), id]);
  }

  /**
   * Pending credit notes made more than `delayMs` but less than `windowMs` ago on
   * their environment's clock (a frozen test clock, or `now`), oldest first. A
   * younger one may still be settled by its own request. Nodes may pick the same
   * one: the provider call carries the note's idempotency key and
   * `markSucceeded` takes once.
   */
  async listPending(input: { now: number; delayMs: number; windowMs: number; limit: number }): Promise<Array<{ id: string; environmentId: string }>> {
    const rows = await this.executor.all<Row>(
      `SELECT credit_notes.id AS id, credit_notes.environment_id AS environment_id FROM credit_notes
       JOIN environments ON environments.id = credit_notes.environment_id
       WHERE credit_notes.status = 'pending'
         AND credit_notes.created_at < COALESCE(environments.frozen_clock_at, ?) - ?
         AND credit_notes.created_at > COALESCE(environments.frozen_clock_at, ?) - ?
       ORDER BY credit_notes.created_at LIMIT ?`,
      [input.now, input.delayMs, input.now, input.windowMs, input.limit],
    );
    return rows.map((row) => ({ id: String(row.id), environmentId: String(row.environment_id) }));
  }
}

function mapCreditNote(row: Row): CreditNoteRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    purchaseId: String(row.purchase_id),
    grantId: String(row.grant_id),
    credits: readAmount(row.credits),
    amountMinor: readMinor(row.amount_minor),
    currency: String(row.currency),
    ledgerSequence: Number(row.ledger_sequence),
    provider: String(row.provider),
    status: row.status as CreditNoteStatus,
    refundReference: readOptionalText(row.refund_reference),
    attempts: Number(row.attempts),
    lastError: readOptionalText(row.last_error),
    createdAt: readTime(row.created_at),
    refundedAt: readOptionalTime(row.refunded_at),
  };
}

import type { Instant } from '../../domain/types.ts';
import type { ClosedPurchaseStatus, InvoiceRecord, InvoiceStatus, PurchaseRecord, PurchaseSource, PurchaseStatus } from '../payment-records.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchPage } from './pagination.ts';
import { amountColumn, jsonColumn, readAmount, readJson, readMinor, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class PurchaseQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(purchase: PurchaseRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO purchases (id, environment_id, customer_id, wallet_id, unit, wallet_key, grant_id, invoice_id, status, source, amount,
         price_minor, currency, provider, session_id, session_url, payment_expires_at, payment_reference, success_url, cancel_url, metadata,
         created_at, paid_at, closed_at, claimed_until, late_payment_reference, late_payment_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)`,
      [
        purchase.id,
        purchase.environmentId,
        purchase.customerId,
        purchase.walletId,
        purchase.unit,
        purchase.walletKey,
        purchase.grantId,
        purchase.invoiceId,
        purchase.status,
        purchase.source,
        amountColumn(purchase.amount),
        purchase.priceMinor.toString(),
        purchase.currency,
        purchase.provider,
        purchase.sessionId,
        purchase.sessionUrl,
        purchase.paymentExpiresAt,
        purchase.paymentReference,
        purchase.successUrl,
        purchase.cancelUrl,
        jsonColumn(purchase.metadata),
        purchase.createdAt,
        purchase.paidAt,
        purchase.closedAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<PurchaseRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM purchases WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapPurchase(row);
  }

  /** By the provider's session: provider notifications and the hosted checkout name a session, not an environment. */
  async findBySession(provider: string, sessionId: string): Promise<PurchaseRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM purchases WHERE provider = ? AND session_id = ?', [provider, sessionId]);
    return row && mapPurchase(row);
  }

  /** open → paid, once: returns false when the purchase was not open any more. */
  async markPaid(id: string, input: { at: Instant; paymentReference: string | null }): Promise<boolean> {
    const changed = await this.executor.run("UPDATE purchases SET status = 'paid', paid_at = ?, payment_reference = ? WHERE id = ? AND status = 'open'", [
      input.at,
      input.paymentReference,
      id,
    ]);
    return changed === 1;
  }

  /**
   * A purchase whose payment the provider accepted but has not settled (a bank debit `processing`):
   * remembers the payment, so it is asked about again and never made twice, and keeps an open purchase
   * open until `payUntil`. A purchase closed meanwhile remembers it too (the payment may still arrive, to
   * be kept as its late payment), its window unchanged. Set once; false when it already had one.
   */
  async recordPendingPayment(id: string, input: { paymentReference: string; payUntil: Instant }): Promise<boolean> {
    const changed = await this.executor.run(
      `UPDATE purchases SET payment_reference = ?, payment_expires_at = CASE WHEN status = 'open' THEN ? ELSE payment_expires_at END
       WHERE id = ? AND payment_reference IS NULL`,
      [input.paymentReference, input.payUntil, id],
    );
    return changed === 1;
  }

  /** open → expired | canceled | failed, once. */
  async markClosed(id: string, input: { status: ClosedPurchaseStatus; at: Instant }): Promise<boolean> {
    const changed = await this.executor.run("UPDATE purchases SET status = ?, closed_at = ? WHERE id = ? AND status = 'open'", [
      input.status,
      input.at,
      id,
    ]);
    return changed === 1;
  }

  /** Remembers the first payment reported for an already closed purchase. */
  async recordLatePayment(id: string, input: { at: Instant; paymentReference: string }): Promise<boolean> {
    const changed = await this.executor.run(
      "UPDATE purchases SET late_payment_reference = ?, late_payment_at = ? WHERE id = ? AND status IN ('expired', 'canceled', 'failed') AND late_payment_reference IS NULL",
      [input.paymentReference, input.at, id],
    );
    return changed === 1;
  }

  /**
   * Claims open purchases whose payment window has closed, on the environment's
   * clock (a frozen test clock, or `now`), and leases them until `leaseUntil` so
   * no other node takes them meanwhile. With SKIP LOCKED, nodes claim disjoint rows.
   */
  async claimExpired(input: { now: Instant; leaseUntil: Instant; limit: number }): Promise<Array<{ id: string; environmentId: string }>> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE OF purchases SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(
      `SELECT purchases.id AS id, purchases.environment_id AS environment_id FROM purchases
       JOIN environments ON environments.id = purchases.environment_id
       WHERE purchases.status = 'open' AND purchases.payment_expires_at <= COALESCE(environments.frozen_clock_at, ?)
         AND (purchases.claimed_until IS NULL OR purchases.claimed_until <= ?)
       ORDER BY purchases.payment_expires_at LIMIT ?${skipLocked}`,
      [input.now, input.now, input.limit],
    );
    for (const row of rows) await this.executor.run('UPDATE purchases SET claimed_until = ? WHERE id = ?', [input.leaseUntil, row.id]);
    return rows.map((row) => ({ id: String(row.id), environmentId: String(row.environment_id) }));
  }

  list(environmentId: string, filters: { customerId?: string; status?: PurchaseStatus }, page: PageRequest): Promise<Page<PurchaseRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, status: filters.status });
    return fetchPage({ executor: this.executor, table: 'purchases', environmentId, where, params, page, map: mapPurchase });
  }
}

export class InvoiceQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(invoice: InvoiceRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO invoices (id, environment_id, customer_id, purchase_id, status, currency, amount_minor, lines, created_at, paid_at, voided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        invoice.id,
        invoice.environmentId,
        invoice.customerId,
        invoice.purchaseId,
        invoice.status,
        invoice.currency,
        invoice.amountMinor.toString(),
        jsonColumn(invoice.lines),
        invoice.createdAt,
        invoice.paidAt,
        invoice.voidedAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<InvoiceRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM invoices WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapInvoice(row);
  }

  /** open → paid | void, once. */
  async settle(id: string, input: { status: 'paid' | 'void'; at: Instant }): Promise<boolean> {
    const column = input.status === 'paid' ? 'paid_at' : 'voided_at';
    const changed = await this.executor.run(`UPDATE invoices SET status = ?, ${column} = ? WHERE id = ? AND status = 'open'`, [input.status, input.at, id]);
    return changed === 1;
  }

  list(environmentId: string, filters: { customerId?: string; status?: InvoiceStatus }, page: PageRequest): Promise<Page<InvoiceRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, status: filters.status });
    return fetchPage({ executor: this.executor, table: 'invoices', environmentId, where, params, page, map: mapInvoice });
  }
}

function mapPurchase(row: Row): PurchaseRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    grantId: String(row.grant_id),
    invoiceId: String(row.invoice_id),
    status: row.status as PurchaseStatus,
    source: row.source as PurchaseSource,
    amount: readAmount(row.amount),
    priceMinor: readMinor(row.price_minor),
    currency: String(row.currency),
    provider: String(row.provider),
    sessionId: readOptionalText(row.session_id),
    sessionUrl: readOptionalText(row.session_url),
    paymentExpiresAt: readTime(row.payment_expires_at),
    paymentReference: readOptionalText(row.payment_reference),
    successUrl: readOptionalText(row.success_url),
    cancelUrl: readOptionalText(row.cancel_url),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
    paidAt: readOptionalTime(row.paid_at),
    closedAt: readOptionalTime(row.closed_at),
    latePaymentReference: readOptionalText(row.late_payment_reference),
    latePaymentAt: readOptionalTime(row.late_payment_at),
  };
}

function mapInvoice(row: Row): InvoiceRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    purchaseId: String(row.purchase_id),
    status: row.status as InvoiceStatus,
    currency: String(row.currency),
    amountMinor: readMinor(row.amount_minor),
    lines: readJson(row.lines),
    createdAt: readTime(row.created_at),
    paidAt: readOptionalTime(row.paid_at),
    voidedAt: readOptionalTime(row.voided_at),
  };
}

import type { Instant } from '../../domain/types.ts';
import type { AutoTopUpRecord, AutoTopUpStatus } from '../payment-records.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { fetchPage } from './pagination.ts';
import { amountColumn, readAmount, readMinor, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class AutoTopUpQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(topUp: AutoTopUpRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO auto_top_ups (id, environment_id, customer_id, wallet_id, status, amount, price_minor, currency, payment_method_id,
         purchase_id, reason, balance_at_trigger, attempts, claimed_until, created_at, completed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      [
        topUp.id,
        topUp.environmentId,
        topUp.customerId,
        topUp.walletId,
        topUp.status,
        amountColumn(topUp.amount),
        topUp.priceMinor.toString(),
        topUp.currency,
        topUp.paymentMethodId,
        topUp.purchaseId,
        topUp.reason,
        amountColumn(topUp.balanceAtTrigger),
        topUp.attempts,
        topUp.createdAt,
        topUp.completedAt,
      ],
    );
  }

  async get(id: string): Promise<AutoTopUpRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM auto_top_ups WHERE id = ?', [id]);
    return row && mapTopUp(row);
  }

  /**
   * Claims top-ups waiting to run (or whose runner's lease ran out) and leases
   * them until `leaseUntil`. With SKIP LOCKED, nodes claim disjoint rows.
   */
  async claimDue(input: { now: Instant; leaseUntil: Instant; limit: number }): Promise<string[]> {
    const skipLocked = this.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.executor.all<Row>(
      `SELECT id FROM auto_top_ups WHERE status IN ('requested', 'processing') AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY id LIMIT ?${skipLocked}`,
      [input.now, input.limit],
    );
    for (const row of rows) {
      await this.executor.run("UPDATE auto_top_ups SET status = 'processing', claimed_until = ?, attempts = attempts + 1 WHERE id = ?", [
        input.leaseUntil,
        row.id,
      ]);
    }
    return rows.map((row) => String(row.id));
  }

  /**
   * A top-up whose payment is still settling at the provider waits until `until` for its next look, and that
   * run starts a fresh count of MAX_TOP_UP_RUNS: an answer `processing` is not a failed run.
   */
  async deferProcessing(id: string, input: { until: Instant }): Promise<void> {
    await this.executor.run("UPDATE auto_top_ups SET claimed_until = ?, attempts = 0 WHERE id = ? AND status = 'processing'", [input.until, id]);
  }

  async setPurchase(id: string, purchaseId: string): Promise<void> {
    await this.executor.run('UPDATE auto_top_ups SET purchase_id = ? WHERE id = ? AND purchase_id IS NULL', [purchaseId, id]);
  }

  /** processing → succeeded | declined | skipped, once. */
  async finish(id: string, input: { status: 'succeeded' | 'declined' | 'skipped'; reason: string | null; at: Instant }): Promise<boolean> {
    const changed = await this.executor.run(
      "UPDATE auto_top_ups SET status = ?, reason = ?, completed_at = ?, claimed_until = NULL WHERE id = ? AND status IN ('requested', 'processing')",
      [input.status, input.reason, input.at, id],
    );
    return changed === 1;
  }

  /** What a wallet's auto top-ups have charged since `since` (env time), in minor units. */
  async spentSince(walletId: string, since: Instant): Promise<bigint> {
    const rows = await this.executor.all<Row>("SELECT price_minor FROM auto_top_ups WHERE wallet_id = ? AND status = 'succeeded' AND created_at >= ?", [
      walletId,
      since,
    ]);
    return rows.reduce((sum, row) => sum + readMinor(row.price_minor), 0n);
  }

  list(environmentId: string, filters: { walletId: string }, page: PageRequest): Promise<Page<AutoTopUpRecord>> {
    return fetchPage({ executor: this.executor, table: 'auto_top_ups', environmentId, where: ['wallet_id = ?'], params: [filters.walletId], page, map: mapTopUp });
  }
}

function mapTopUp(row: Row): AutoTopUpRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    status: row.status as AutoTopUpStatus,
    amount: readAmount(row.amount),
    priceMinor: readMinor(row.price_minor),
    currency: String(row.currency),
    paymentMethodId: String(row.payment_method_id),
    purchaseId: readOptionalText(row.purchase_id),
    reason: readOptionalText(row.reason),
    balanceAtTrigger: readAmount(row.balance_at_trigger),
    attempts: Number(row.attempts),
    createdAt: readTime(row.created_at),
    completedAt: readOptionalTime(row.completed_at),
  };
}

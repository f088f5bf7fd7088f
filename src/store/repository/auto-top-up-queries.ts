import type { Amount } from '../../domain/amount.ts';
import type { Instant } from '../../domain/types.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { fetchPage } from './pagination.ts';
import { readMinor } from './purchase-queries.ts';
import { amountColumn, jsonColumn, readAmount, readOptionalAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

/** How much an auto top-up buys: a fixed number of credits, or enough to reach a target balance. */
export type AutoTopUpQuantity = { mode: 'fixed'; amount: Amount } | { mode: 'target'; targetBalance: Amount };

export type AutoTopUpConfig = AutoTopUpQuantity & {
  /** Buys when the wallet balance falls below this. */
  threshold: Amount;
  /** Price of one credit, in major units of `currency` (a decimal). */
  unitPrice: Amount;
  currency: string;
  paymentMethodId: string;
  /** Most it may spend per calendar month (UTC), in minor units; null for no limit. */
  monthlyLimitMinor: bigint | null;
};

/** Per-wallet balance alerts and auto top-up, and the auto top-up's running state. */
export interface WalletSettingsRecord {
  walletId: string;
  environmentId: string;
  customerId: string;
  lowBalanceThreshold: Amount | null;
  autoTopUp: AutoTopUpConfig | null;
  /** The auto top-up under way, if any: at most one per wallet, so a burst of debits buys once. */
  topUpInFlight: string | null;
  /** Declines in a row; drives the backoff. */
  declines: number;
  /** No auto top-up starts before this (after a decline, or when the monthly limit is reached). */
  pausedUntil: Instant | null;
  updatedAt: Instant;
}

export type AutoTopUpStatus = 'requested' | 'processing' | 'succeeded' | 'declined' | 'skipped';

export interface AutoTopUpRecord {
  id: string;
  environmentId: string;
  customerId: string;
  walletId: string;
  status: AutoTopUpStatus;
  amount: Amount;
  priceMinor: bigint;
  currency: string;
  paymentMethodId: string;
  purchaseId: string | null;
  reason: string | null;
  balanceAtTrigger: Amount;
  attempts: number;
  createdAt: Instant;
  completedAt: Instant | null;
}

export interface PaymentMethodRecord {
  id: string;
  environmentId: string;
  customerId: string;
  /** `test` or `stripe`. */
  provider: string;
  /** The provider's reference: a Stripe `pm_…`, or the test card's behaviour (`succeeds` | `declines`). */
  reference: string;
  /** The provider's customer the method is attached to (Stripe `cus_…`). */
  providerCustomer: string | null;
  description: string;
  createdAt: Instant;
}

export class WalletSettingsQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async get(walletId: string): Promise<WalletSettingsRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM wallet_settings WHERE wallet_id = ?', [walletId]);
    return row && mapSettings(row);
  }

  async upsert(settings: WalletSettingsRecord): Promise<void> {
    const values = [
      settings.lowBalanceThreshold === null ? null : amountColumn(settings.lowBalanceThreshold),
      settings.autoTopUp === null ? null : jsonColumn(configColumn(settings.autoTopUp)),
      settings.topUpInFlight,
      settings.declines,
      settings.pausedUntil,
      settings.updatedAt,
    ];
    const changed = await this.executor.run(
      `UPDATE wallet_settings SET low_balance_threshold = ?, auto_top_up = ?, top_up_in_flight = ?, declines = ?, paused_until = ?, updated_at = ?
       WHERE wallet_id = ?`,
      [...values, settings.walletId],
    );
    if (changed > 0) return;
    await this.executor.run(
      `INSERT INTO wallet_settings (low_balance_threshold, auto_top_up, top_up_in_flight, declines, paused_until, updated_at, wallet_id, environment_id, customer_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, settings.walletId, settings.environmentId, settings.customerId],
    );
  }
}

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

export class PaymentMethodQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(method: PaymentMethodRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO payment_methods (id, environment_id, customer_id, provider, reference, provider_customer, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [method.id, method.environmentId, method.customerId, method.provider, method.reference, method.providerCustomer, method.description, method.createdAt],
    );
  }

  async get(environmentId: string, id: string): Promise<PaymentMethodRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM payment_methods WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapPaymentMethod(row);
  }

  list(environmentId: string, filters: { customerId?: string }, page: PageRequest): Promise<Page<PaymentMethodRecord>> {
    const where = filters.customerId === undefined ? [] : ['customer_id = ?'];
    const params = filters.customerId === undefined ? [] : [filters.customerId];
    return fetchPage({ executor: this.executor, table: 'payment_methods', environmentId, where, params, page, map: mapPaymentMethod });
  }
}

interface StoredConfig {
  mode: 'fixed' | 'target';
  amount?: string;
  targetBalance?: string;
  threshold: string;
  unitPrice: string;
  currency: string;
  paymentMethodId: string;
  monthlyLimitMinor: string | null;
}

function configColumn(config: AutoTopUpConfig): StoredConfig {
  return {
    mode: config.mode,
    ...(config.mode === 'fixed' ? { amount: amountColumn(config.amount) } : { targetBalance: amountColumn(config.targetBalance) }),
    threshold: amountColumn(config.threshold),
    unitPrice: amountColumn(config.unitPrice),
    currency: config.currency,
    paymentMethodId: config.paymentMethodId,
    monthlyLimitMinor: config.monthlyLimitMinor === null ? null : config.monthlyLimitMinor.toString(),
  };
}

function readConfig(value: unknown): AutoTopUpConfig | null {
  if (value === null || value === undefined) return null;
  const stored = JSON.parse(String(value)) as StoredConfig;
  const quantity: AutoTopUpQuantity =
    stored.mode === 'fixed' ? { mode: 'fixed', amount: readAmount(stored.amount) } : { mode: 'target', targetBalance: readAmount(stored.targetBalance) };
  return {
    ...quantity,
    threshold: readAmount(stored.threshold),
    unitPrice: readAmount(stored.unitPrice),
    currency: stored.currency,
    paymentMethodId: stored.paymentMethodId,
    monthlyLimitMinor: stored.monthlyLimitMinor === null ? null : BigInt(stored.monthlyLimitMinor),
  };
}

function mapSettings(row: Row): WalletSettingsRecord {
  return {
    walletId: String(row.wallet_id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    lowBalanceThreshold: readOptionalAmount(row.low_balance_threshold),
    autoTopUp: readConfig(row.auto_top_up),
    topUpInFlight: readOptionalText(row.top_up_in_flight),
    declines: Number(row.declines),
    pausedUntil: readOptionalTime(row.paused_until),
    updatedAt: readTime(row.updated_at),
  };
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

function mapPaymentMethod(row: Row): PaymentMethodRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    provider: String(row.provider),
    reference: String(row.reference),
    providerCustomer: readOptionalText(row.provider_customer),
    description: String(row.description),
    createdAt: readTime(row.created_at),
  };
}

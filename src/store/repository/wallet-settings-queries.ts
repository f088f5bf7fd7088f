import type { AutoTopUpConfig, AutoTopUpQuantity, WalletSettingsRecord } from '../payment-records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { amountColumn, optionalAmountColumn, jsonColumn, readAmount, readOptionalAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export class WalletSettingsQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async get(walletId: string): Promise<WalletSettingsRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM wallet_settings WHERE wallet_id = ?', [walletId]);
    return row && mapSettings(row);
  }

  async upsert(settings: WalletSettingsRecord): Promise<void> {
    const values = [
      optionalAmountColumn(settings.lowBalanceThreshold),
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
    // The flag the write pipeline reads instead of this table (migration 14); a settings row is never deleted.
    await this.executor.run('UPDATE wallets SET has_settings = 1 WHERE id = ?', [settings.walletId]);
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
  // Each mode spelled out: a literal that starts with a spread (of the quantity) is Node 20's slow path.
  const threshold = readAmount(stored.threshold);
  const unitPrice = readAmount(stored.unitPrice);
  const monthlyLimitMinor = stored.monthlyLimitMinor === null ? null : BigInt(stored.monthlyLimitMinor);
  const { currency, paymentMethodId } = stored;
  return stored.mode === 'fixed'
    ? { mode: 'fixed', amount: readAmount(stored.amount), threshold, unitPrice, currency, paymentMethodId, monthlyLimitMinor }
    : { mode: 'target', targetBalance: readAmount(stored.targetBalance), threshold, unitPrice, currency, paymentMethodId, monthlyLimitMinor };
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

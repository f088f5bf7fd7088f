import { dimensionsKey } from '../../domain/rating.ts';
import type { FeatureRecord, Page, PageRequest, PriceRecord, UsageEventRecord } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchKeysetPage, fetchPage, type TimeWalkPage } from './pagination.ts';
import { allocationsColumn, amountColumn, optionalAmountColumn, jsonColumn, readAllocations, readAmount, readJson, readOptionalAmount, readOptionalText, readTime, type Row } from './row-mapping.ts';

export class FeatureQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  /** Inserts unless the key exists; returns whether it inserted. */
  async insert(feature: FeatureRecord): Promise<boolean> {
    const changed = await this.executor.run(
      'INSERT INTO features (environment_id, key, name, dimensions, quantity_scale, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [feature.environmentId, feature.key, feature.name, jsonColumn(feature.dimensions), feature.quantityScale, feature.createdAt],
    );
    return changed > 0;
  }

  /** With `lock`, holds the feature's row lock until the transaction ends: price creations on one feature serialise on it. */
  async get(environmentId: string, key: string, options: { lock: boolean } = { lock: false }): Promise<FeatureRecord | undefined> {
    const lock = options.lock && this.capabilities.rowLocks ? ' FOR UPDATE' : '';
    const row = await this.executor.get<Row>(`SELECT * FROM features WHERE environment_id = ? AND key = ?${lock}`, [environmentId, key]);
    return row && mapFeature(row);
  }

  /** Features are few per environment (a product's catalogue): listed whole, by key. */
  async list(environmentId: string): Promise<FeatureRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM features WHERE environment_id = ? ORDER BY key', [environmentId])).map(mapFeature);
  }
}

export class PriceQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(price: PriceRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO prices (id, environment_id, feature, unit, amount, per, dimensions, dimensions_key, customer_id, minimum, effective_at, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        price.id,
        price.environmentId,
        price.feature,
        price.unit,
        amountColumn(price.amount),
        amountColumn(price.per),
        jsonColumn(price.dimensions),
        dimensionsKey(price.dimensions),
        price.customerId ?? '',
        optionalAmountColumn(price.minimum),
        price.effectiveAt,
        jsonColumn(price.metadata),
        price.createdAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<PriceRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM prices WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapPrice(row);
  }

  /** The versions in effect by `at` of a feature's list prices and one customer's overrides: what rating chooses from. */
  async candidates(environmentId: string, feature: string, customerId: string, at: number): Promise<PriceRecord[]> {
    const rows = await this.executor.all<Row>(
      "SELECT * FROM prices WHERE environment_id = ? AND feature = ? AND customer_id IN ('', ?) AND effective_at <= ?",
      [environmentId, feature, customerId, at],
    );
    return rows.map(mapPrice);
  }

  /** Every version of every price of a feature: what a new price must not tie with. */
  async forFeature(environmentId: string, feature: string): Promise<PriceRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM prices WHERE environment_id = ? AND feature = ?', [environmentId, feature])).map(mapPrice);
  }

  async list(environmentId: string, filters: { feature?: string | undefined; customerId?: string | undefined }, page: PageRequest): Promise<Page<PriceRecord>> {
    const { where, params } = equalityFilters({ feature: filters.feature, customer_id: filters.customerId });
    return fetchPage({ executor: this.executor, table: 'prices', environmentId, where, params, page, map: mapPrice });
  }
}

export class UsageEventQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(event: UsageEventRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO usage_events (environment_id, id, customer_id, wallet_id, unit, wallet_key, feature, quantity, dimensions, occurred_at, price_id,
         cost, consumed, overdrawn, shortfall, allocations, debit_id, reservation_id, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        event.environmentId,
        event.id,
        event.customerId,
        event.walletId,
        event.unit,
        event.walletKey,
        event.feature,
        amountColumn(event.quantity),
        jsonColumn(event.dimensions),
        event.occurredAt,
        event.priceId,
        amountColumn(event.cost),
        amountColumn(event.consumed),
        amountColumn(event.overdrawn),
        amountColumn(event.shortfall),
        allocationsColumn(event.allocations),
        event.debitId,
        event.reservationId,
        jsonColumn(event.metadata),
        event.createdAt,
      ],
    );
  }

  async get(environmentId: string, id: string): Promise<UsageEventRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM usage_events WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapUsageEvent(row);
  }

  /**
   * One page of events by when the usage happened, in (occurredAt, id) order:
   * `after` is the last row of the previous page. Reports and exports walk these.
   */
  pageByOccurrence(page: TimeWalkPage & { feature?: string | undefined }): Promise<UsageEventRecord[]> {
    const filters = { customer_id: page.customerId, unit: page.unit, feature: page.feature };
    const index = page.customerId === undefined ? 'usage_events_occurred' : 'usage_events_report';
    return fetchKeysetPage({ executor: this.executor, capabilities: this.capabilities, table: 'usage_events', timeColumn: 'occurred_at', page, filters, index, map: mapUsageEvent });
  }
}

function mapFeature(row: Row): FeatureRecord {
  return {
    environmentId: String(row.environment_id),
    key: String(row.key),
    name: readOptionalText(row.name),
    dimensions: readJson<string[]>(row.dimensions),
    quantityScale: Number(row.quantity_scale),
    createdAt: readTime(row.created_at),
  };
}

function mapPrice(row: Row): PriceRecord {
  const customerId = String(row.customer_id);
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    feature: String(row.feature),
    unit: String(row.unit),
    amount: readAmount(row.amount),
    per: readAmount(row.per),
    dimensions: readJson<Record<string, string>>(row.dimensions),
    customerId: customerId === '' ? null : customerId,
    minimum: readOptionalAmount(row.minimum),
    effectiveAt: readTime(row.effective_at),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

function mapUsageEvent(row: Row): UsageEventRecord {
  return {
    environmentId: String(row.environment_id),
    id: String(row.id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    feature: String(row.feature),
    quantity: readAmount(row.quantity),
    dimensions: readJson<Record<string, string>>(row.dimensions),
    occurredAt: readTime(row.occurred_at),
    priceId: String(row.price_id),
    cost: readAmount(row.cost),
    consumed: readAmount(row.consumed),
    overdrawn: readAmount(row.overdrawn),
    shortfall: readAmount(row.shortfall),
    allocations: readAllocations(row.allocations),
    debitId: readOptionalText(row.debit_id),
    reservationId: readOptionalText(row.reservation_id),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

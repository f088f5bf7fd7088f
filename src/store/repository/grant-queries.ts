import type { GrantState, GrantStatus } from '../../domain/types.ts';
import type { GrantRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchKeysetPage, fetchPage, rangeFilters, type TimeRange, type TimeWalkPage } from './pagination.ts';
import { ChangedColumnsUpdate } from './changed-columns.ts';
import { amountColumn, jsonColumn, optionalAmountColumn, readAmount, readJson, readOptionalAmount, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

export interface GrantFilters {
  customerId?: string;
  unit?: string;
  walletKey?: string;
  includeVoided: boolean;
  /** Derived status at `now`, translated to the stored columns it follows from (see grantStatus). */
  status?: { status: GrantStatus; now: number };
  /** Bounds on created_at (epoch milliseconds); each one given applies. */
  createdAt?: CreatedAtRange;
}

/** Bounds on created_at; the same shape as every list's time range. */
export type CreatedAtRange = TimeRange;

function statusCondition(status: GrantStatus): string {
  switch (status) {
    case 'voided':
      return 'voided_at IS NOT NULL';
    case 'payment_pending':
      return 'voided_at IS NULL AND payment_pending = 1';
    case 'scheduled':
      return 'voided_at IS NULL AND payment_pending = 0 AND effective_at > ?';
    case 'expired':
      return 'voided_at IS NULL AND payment_pending = 0 AND effective_at <= ? AND expires_at <= ?';
    case 'active':
      return 'voided_at IS NULL AND payment_pending = 0 AND effective_at <= ? AND (expires_at IS NULL OR expires_at > ?)';
  }
}

/**
 * A grant is live while something can still change it: it holds credit for a
 * hold, or it is not voided and either not yet activated or still has credit
 * that has not expired. Debits and sweeps load only live grants, never history.
 */
export function isLive(grant: GrantState): boolean {
  if (grant.held > 0n) return true;
  if (grant.voidedAt !== null) return false;
  return grant.activatedAt === null || (grant.available > 0n && grant.expiredAt === null);
}

/** What `updateState` may write. */
const GRANT_STATE_UPDATE = new ChangedColumnsUpdate<GrantState>('grants', [
  { name: 'available', value: (grant) => grant.available, stored: amountColumn },
  { name: 'held', value: (grant) => grant.held, stored: amountColumn },
  { name: 'consumed', value: (grant) => grant.consumed, stored: amountColumn },
  { name: 'expired', value: (grant) => grant.expired, stored: amountColumn },
  { name: 'voided', value: (grant) => grant.voided, stored: amountColumn },
  { name: 'category', value: (grant) => grant.category },
  { name: 'priority', value: (grant) => grant.priority },
  { name: 'effective_at', value: (grant) => grant.effectiveAt },
  { name: 'expires_at', value: (grant) => grant.expiresAt },
  { name: 'created_at', value: (grant) => grant.createdAt },
  { name: 'activated_at', value: (grant) => grant.activatedAt },
  { name: 'expired_at', value: (grant) => grant.expiredAt },
  { name: 'voided_at', value: (grant) => grant.voidedAt },
  { name: 'source', value: (grant) => grant.source },
  { name: 'schedule_id', value: (grant) => grant.scheduleId },
  { name: 'reset_max_rollover', value: (grant) => grant.resetMaxRollover, stored: optionalAmountColumn },
  { name: 'reset_min_rollover', value: (grant) => grant.resetMinRollover, stored: optionalAmountColumn },
  { name: 'rolled_over', value: (grant) => grant.rolledOver, stored: amountColumn },
  { name: 'last_reset_at', value: (grant) => grant.lastResetAt },
  { name: 'payment_pending', value: (grant) => (grant.paymentPending ? 1 : 0) },
  { name: 'paid_at', value: (grant) => grant.paidAt },
  { name: 'live', value: (grant) => (isLive(grant) ? 1 : 0) },
  { name: 'amount', value: (grant) => grant.amount, stored: amountColumn },
  { name: 'first_entry_sequence', value: (grant) => grant.firstEntrySequence },
  { name: 'last_entry_sequence', value: (grant) => grant.lastEntrySequence },
]);

export class GrantQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(grant: GrantRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO grants (id, environment_id, customer_id, wallet_id, unit, wallet_key, amount, available, held, consumed, expired,
         voided, category, priority, effective_at, expires_at, created_at, activated_at, expired_at, voided_at, ordinal,
         source, schedule_id, reset_max_rollover, reset_min_rollover, rolled_over, last_reset_at,
         payment_pending, paid_at, applies_to, name, metadata, cost_amount, cost_currency, live, recurrence_period,
         first_entry_sequence, last_entry_sequence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        grant.id,
        grant.environmentId,
        grant.customerId,
        grant.walletId,
        grant.unit,
        grant.walletKey,
        amountColumn(grant.amount),
        ...this.stateColumns(grant),
        grant.ordinal,
        ...this.rolloverColumns(grant),
        grant.paymentPending ? 1 : 0,
        grant.paidAt,
        jsonColumn(grant.appliesTo),
        grant.name,
        jsonColumn(grant.metadata),
        optionalAmountColumn(grant.costAmount),
        grant.costCurrency,
        isLive(grant) ? 1 : 0,
        grant.recurrencePeriod,
        grant.firstEntrySequence,
        grant.lastEntrySequence,
      ],
    );
  }

  /** Writes the grant's state (what the engine may change); given the state it was read in, only the columns that changed (none: no statement). */
  async updateState(grant: GrantState, previous?: GrantState): Promise<void> {
    const update = GRANT_STATE_UPDATE.changes(grant, grant.id, previous);
    if (update) await this.executor.run(update.sql, update.params);
  }

  async updateDetails(grantId: string, details: { name: string | null; metadata: Record<string, string> }): Promise<void> {
    await this.executor.run('UPDATE grants SET name = ?, metadata = ? WHERE id = ?', [details.name, jsonColumn(details.metadata), grantId]);
  }

  async get(environmentId: string, id: string): Promise<GrantRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM grants WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapGrant(row);
  }

  /** Only what the engine needs: the hot path's cost is dominated by building row objects. */
  async loadLive(walletId: string): Promise<GrantState[]> {
    return (await this.executor.all<Row>(`SELECT ${ENGINE_COLUMNS} FROM grants WHERE wallet_id = ? AND live = 1`, [walletId])).map(mapGrantState);
  }

  /**
   * Grants with nothing left or held that a period boundary may still top up to
   * their floor (not live, so the hot path never reads them): read only when a
   * step crosses such a boundary.
   */
  async loadDrainedWithFloor(walletId: string): Promise<GrantState[]> {
    const rows = await this.executor.all<Row>(
      `SELECT ${ENGINE_COLUMNS} FROM grants WHERE wallet_id = ? AND live = 0 AND reset_min_rollover IS NOT NULL
         AND activated_at IS NOT NULL AND voided_at IS NULL AND expired_at IS NULL`,
      [walletId],
    );
    return rows.map(mapGrantState).filter((grant) => grant.resetMinRollover! > 0n);
  }

  async loadAll(walletId: string): Promise<GrantRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM grants WHERE wallet_id = ? ORDER BY ordinal', [walletId])).map(mapGrant);
  }

  /**
   * One page (by ID) of the grants that became active before `activatedBefore`,
   * or whose money was booked before it (a paid grant with a cost, paid, however
   * far ahead its effectiveAt), optionally of one customer: what the revenue
   * report walks, a page at a time.
   */
  async pageActivatedBefore(
    environmentId: string,
    input: { activatedBefore: number; customerId?: string; after: string | null; limit: number },
  ): Promise<GrantRecord[]> {
    const where = [
      'environment_id = ?',
      "((activated_at IS NOT NULL AND activated_at < ?) OR (category = 'paid' AND cost_amount IS NOT NULL AND payment_pending = 0 AND COALESCE(paid_at, created_at) < ?))",
    ];
    const params: unknown[] = [environmentId, input.activatedBefore, input.activatedBefore];
    if (input.customerId !== undefined) {
      where.push('customer_id = ?');
      params.push(input.customerId);
    }
    if (input.after !== null) {
      where.push('id > ?');
      params.push(input.after);
    }
    const rows = await this.executor.all<Row>(`SELECT * FROM grants WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, [...params, input.limit]);
    return rows.map(mapGrant);
  }

  list(environmentId: string, filters: GrantFilters, page: PageRequest): Promise<Page<GrantRecord>> {
    const { where, params } = equalityFilters({ customer_id: filters.customerId, unit: filters.unit, wallet_key: filters.walletKey });
    if (filters.status) {
      const condition = statusCondition(filters.status.status);
      where.push(condition);
      for (let count = condition.split('?').length - 1; count > 0; count -= 1) params.push(filters.status.now);
    } else if (!filters.includeVoided) where.push('voided_at IS NULL');
    const createdAt = rangeFilters('created_at', filters.createdAt);
    where.push(...createdAt.where);
    params.push(...createdAt.params);
    return fetchPage({ executor: this.executor, table: 'grants', environmentId, where, params, page, map: mapGrant });
  }

  /** One page of grants by when they were made, in (createdAt, id) order: what exports walk. */
  pageByCreation(page: TimeWalkPage): Promise<GrantRecord[]> {
    const filters = { customer_id: page.customerId, unit: page.unit };
    const index = page.customerId === undefined ? 'grants_created' : 'grants_customer_created';
    return fetchKeysetPage({ executor: this.executor, capabilities: this.capabilities, table: 'grants', timeColumn: 'created_at', page, filters, index, map: mapGrant });
  }

  private rolloverColumns(grant: GrantState): unknown[] {
    return [
      grant.source,
      grant.scheduleId,
      optionalAmountColumn(grant.resetMaxRollover),
      optionalAmountColumn(grant.resetMinRollover),
      amountColumn(grant.rolledOver),
      grant.lastResetAt,
    ];
  }

  private stateColumns(grant: GrantState): unknown[] {
    return [
      amountColumn(grant.available),
      amountColumn(grant.held),
      amountColumn(grant.consumed),
      amountColumn(grant.expired),
      amountColumn(grant.voided),
      grant.category,
      grant.priority,
      grant.effectiveAt,
      grant.expiresAt,
      grant.createdAt,
      grant.activatedAt,
      grant.expiredAt,
      grant.voidedAt,
    ];
  }
}

const ENGINE_COLUMNS =
  'id, amount, available, held, consumed, expired, voided, category, priority, effective_at, expires_at, created_at, ordinal, activated_at, expired_at, voided_at, payment_pending, paid_at, applies_to, source, schedule_id, reset_max_rollover, reset_min_rollover, rolled_over, last_reset_at, first_entry_sequence, last_entry_sequence';

function mapGrantState(row: Row): GrantState {
  return {
    id: String(row.id),
    amount: readAmount(row.amount),
    available: readAmount(row.available),
    held: readAmount(row.held),
    consumed: readAmount(row.consumed),
    expired: readAmount(row.expired),
    voided: readAmount(row.voided),
    category: row.category as GrantRecord['category'],
    priority: Number(row.priority),
    effectiveAt: readTime(row.effective_at),
    expiresAt: readOptionalTime(row.expires_at),
    createdAt: readTime(row.created_at),
    ordinal: Number(row.ordinal),
    activatedAt: readOptionalTime(row.activated_at),
    expiredAt: readOptionalTime(row.expired_at),
    voidedAt: readOptionalTime(row.voided_at),
    paymentPending: Number(row.payment_pending) === 1,
    paidAt: readOptionalTime(row.paid_at),
    appliesTo: readJson<string[]>(row.applies_to),
    source: row.source as GrantState['source'],
    scheduleId: readOptionalText(row.schedule_id),
    resetMaxRollover: readOptionalAmount(row.reset_max_rollover),
    resetMinRollover: readOptionalAmount(row.reset_min_rollover),
    rolledOver: readAmount(row.rolled_over),
    lastResetAt: readOptionalTime(row.last_reset_at),
    firstEntrySequence: readOptionalSequence(row.first_entry_sequence),
    lastEntrySequence: readOptionalSequence(row.last_entry_sequence),
  };
}

function readOptionalSequence(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** The state's fields, then the record's added to that fresh object (not `{ ...state, … }`: a literal that starts with a spread and adds keys is Node 20's slow path). */
export function mapGrant(row: Row): GrantRecord {
  return Object.assign(mapGrantState(row), {
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    walletId: String(row.wallet_id),
    unit: String(row.unit),
    walletKey: String(row.wallet_key),
    recurrencePeriod: readOptionalText(row.recurrence_period),
    name: readOptionalText(row.name),
    metadata: readJson<GrantRecord['metadata']>(row.metadata),
    costAmount: readOptionalAmount(row.cost_amount),
    costCurrency: readOptionalText(row.cost_currency),
  });
}

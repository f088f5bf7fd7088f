import type { ApiKeyRecord, CustomerRecord, EnvironmentRecord, Page, PageRequest, UnitRecord } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { fetchPage, searchFilter } from './pagination.ts';
import { jsonColumn, readJson, readOptionalText, readOptionalTime, readTime, type Row } from './row-mapping.ts';

/** Environments, API keys, units and customers. */
export class AccountQueries {
  constructor(private readonly executor: SqlExecutor) {}

  /** Inserts unless an environment with this ID exists; returns whether it inserted. */
  async insertEnvironment(environment: EnvironmentRecord): Promise<boolean> {
    const changed = await this.executor.run('INSERT INTO environments (id, mode, name, frozen_clock_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      environment.id,
      environment.mode,
      environment.name,
      environment.frozenClockAt,
      environment.createdAt,
    ]);
    return changed > 0;
  }

  async listEnvironments(): Promise<EnvironmentRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM environments ORDER BY created_at, id')).map(mapEnvironment);
  }

  async getEnvironment(id: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM environments WHERE id = ?', [id]);
    return row && mapEnvironment(row);
  }

  /** Marks an environment deleted; returns whether it was live (not yet deleted). */
  async markEnvironmentDeleted(id: string, deletedAt: number): Promise<boolean> {
    return (await this.executor.run('UPDATE environments SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', [deletedAt, id])) > 0;
  }

  async setFrozenClock(environmentId: string, frozenClockAt: number | null): Promise<void> {
    await this.executor.run('UPDATE environments SET frozen_clock_at = ? WHERE id = ?', [frozenClockAt, environmentId]);
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO api_keys (id, environment_id, key_hash, key_prefix, name, scopes, created_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [key.id, key.environmentId, key.keyHash, key.keyPrefix, key.name, jsonColumn(key.scopes), key.createdAt, key.revokedAt, key.lastUsedAt],
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
    return row && mapApiKey(row);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM api_keys ORDER BY created_at, id')).map(mapApiKey);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM api_keys WHERE id = ?', [id]);
    return row && mapApiKey(row);
  }

  listApiKeysOf(environmentId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return fetchPage({ executor: this.executor, table: 'api_keys', environmentId, where: [], params: [], page, map: mapApiKey });
  }

  async revokeApiKey(id: string, revokedAt: number, environmentId?: string): Promise<boolean> {
    const [where, params] = environmentId === undefined ? ['', []] : [' AND environment_id = ?', [environmentId]];
    return (await this.executor.run(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL${where}`, [revokedAt, id, ...params])) > 0;
  }

  /** Moves `last_used_at` forward only (several nodes may write it at once). */
  async touchApiKey(id: string, usedAt: number): Promise<void> {
    await this.executor.run('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [usedAt, id, usedAt]);
  }

  async insertUnit(unit: UnitRecord): Promise<boolean> {
    const changed = await this.executor.run(
      'INSERT INTO units (environment_id, code, scale, name, description, symbol, singular_name, plural_name, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [
        unit.environmentId,
        unit.code,
        unit.scale,
        unit.name,
        unit.description,
        unit.symbol,
        unit.unitNames?.singular ?? null,
        unit.unitNames?.plural ?? null,
        jsonColumn(unit.metadata),
        unit.createdAt,
      ],
    );
    return changed > 0;
  }

  async getUnit(environmentId: string, code: string): Promise<UnitRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM units WHERE environment_id = ? AND code = ?', [environmentId, code]);
    return row && mapUnit(row);
  }

  async listUnits(environmentId: string): Promise<UnitRecord[]> {
    return (await this.executor.all<Row>('SELECT * FROM units WHERE environment_id = ? ORDER BY code', [environmentId])).map(mapUnit);
  }

  async insertCustomer(customer: CustomerRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO customers (id, environment_id, external_id, name, email, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [customer.id, customer.environmentId, customer.externalId, customer.name, customer.email, jsonColumn(customer.metadata), customer.createdAt],
    );
  }

  async getCustomer(environmentId: string, id: string): Promise<CustomerRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM customers WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapCustomer(row);
  }

  async findCustomerByExternalId(environmentId: string, externalId: string): Promise<CustomerRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM customers WHERE environment_id = ? AND external_id = ?', [environmentId, externalId]);
    return row && mapCustomer(row);
  }

  /** `search`: a case-insensitive part of the ID, name, external ID or email. */
  listCustomers(environmentId: string, page: PageRequest, search?: string): Promise<Page<CustomerRecord>> {
    const { where, params } = searchFilter(['id', 'name', 'external_id', 'email'], search);
    return fetchPage({ executor: this.executor, table: 'customers', environmentId, where, params, page, map: mapCustomer });
  }
}

function mapEnvironment(row: Row): EnvironmentRecord {
  return {
    id: String(row.id),
    mode: row.mode as EnvironmentRecord['mode'],
    name: String(row.name),
    frozenClockAt: readOptionalTime(row.frozen_clock_at),
    createdAt: readTime(row.created_at),
    deletedAt: readOptionalTime(row.deleted_at),
  };
}

function mapApiKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    keyHash: String(row.key_hash),
    keyPrefix: String(row.key_prefix),
    name: readOptionalText(row.name),
    scopes: readJson<string[]>(row.scopes),
    createdAt: readTime(row.created_at),
    revokedAt: readOptionalTime(row.revoked_at),
    lastUsedAt: readOptionalTime(row.last_used_at),
  };
}

function mapUnit(row: Row): UnitRecord {
  return {
    environmentId: String(row.environment_id),
    code: String(row.code),
    scale: Number(row.scale),
    name: readOptionalText(row.name),
    description: readOptionalText(row.description),
    symbol: readOptionalText(row.symbol),
    unitNames: row.singular_name === null || row.plural_name === null ? null : { singular: String(row.singular_name), plural: String(row.plural_name) },
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

function mapCustomer(row: Row): CustomerRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    externalId: readOptionalText(row.external_id),
    name: readOptionalText(row.name),
    email: readOptionalText(row.email),
    metadata: readJson(row.metadata),
    createdAt: readTime(row.created_at),
  };
}

import type { AuditRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { equalityFilters, fetchPage } from './pagination.ts';
import { readOptionalText, readTime, type Row } from './row-mapping.ts';

export interface AuditFilters {
  apiKeyId?: string | undefined;
  objectId?: string | undefined;
  operation?: string | undefined;
  requestId?: string | undefined;
  /** Inclusive lower and exclusive upper bound on `createdAt`. */
  createdFrom?: number | undefined;
  createdBefore?: number | undefined;
}

/** The audit log: insert and read only. The table's triggers refuse UPDATE and DELETE. */
export class AuditQueries {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(record: AuditRecord): Promise<void> {
    await this.executor.run(
      'INSERT INTO audit_log (id, environment_id, api_key_id, operation, object_id, request_id, client_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [record.id, record.environmentId, record.apiKeyId, record.operation, record.objectId, record.requestId, record.clientAddress, record.createdAt],
    );
  }

  list(environmentId: string, filters: AuditFilters, page: PageRequest): Promise<Page<AuditRecord>> {
    const { createdFrom, createdBefore, ...equal } = filters;
    const { where, params } = equalityFilters({
      api_key_id: equal.apiKeyId,
      object_id: equal.objectId,
      operation: equal.operation,
      request_id: equal.requestId,
    });
    if (createdFrom !== undefined) {
      where.push('created_at >= ?');
      params.push(createdFrom);
    }
    if (createdBefore !== undefined) {
      where.push('created_at < ?');
      params.push(createdBefore);
    }
    // By key or by object the list is a range of that index; otherwise it walks the primary key (IDs sort by time).
    const walksKey = this.capabilities.indexedBy && equal.apiKeyId === undefined && equal.objectId === undefined;
    return fetchPage({ executor: this.executor, table: 'audit_log', environmentId, where, params, page, map: mapAudit, primaryKeyIndex: walksKey ? 'sqlite_autoindex_audit_log_1' : undefined });
  }
}

function mapAudit(row: Row): AuditRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    apiKeyId: String(row.api_key_id),
    operation: String(row.operation),
    objectId: readOptionalText(row.object_id),
    requestId: String(row.request_id),
    clientAddress: String(row.client_address),
    createdAt: readTime(row.created_at),
  };
}

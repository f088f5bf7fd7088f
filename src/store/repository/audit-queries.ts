import type { AuditRecord, Page, PageRequest } from '../records.ts';
import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { allFilters, equalityFilters, fetchPage, fetchWindow, idWindow, rangeFilters } from './pagination.ts';
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

  /** Whether the audit row `id` is one of the environment's; what a cursor must be. */
  async has(environmentId: string, id: string): Promise<boolean> {
    return (await this.executor.get<Row>('SELECT id FROM audit_log WHERE environment_id = ? AND id = ?', [environmentId, id])) !== undefined;
  }

  /**
   * The environment's audit log, newest first, in one statement. By key or by object the list is a range of that
   * index, the page itself when no other filter is set; otherwise it walks the primary key (IDs sort by time) through
   * every environment's rows until a page matches, so app/audit-log.ts reads such lists in windows (`listWindow`).
   */
  list(environmentId: string, filters: AuditFilters, page: PageRequest): Promise<Page<AuditRecord>> {
    const { where, params } = auditConditions(filters);
    const walksKey = this.capabilities.indexedBy && filters.apiKeyId === undefined && filters.objectId === undefined;
    return fetchPage({ executor: this.executor, table: 'audit_log', environmentId, where, params, page, map: mapAudit, primaryKeyIndex: walksKey ? 'sqlite_autoindex_audit_log_1' : undefined });
  }

  /**
   * One window of `list` (fetchWindow): the next `window` entries beyond `after` (an ID) of the index the list walks,
   * of which those that pass the filters, at most `limit`. By key (or else by object) that index is
   * `(environment_id, api_key_id, id)` (or `object_id`), walked with the key fixed; otherwise the primary key, every
   * environment's rows. SQLite is told the index (without statistics it would take another that starts with
   * `environment_id` and sort) and bounds the walk by `id` after the key's equality. PostgreSQL cannot be told, and
   * on bounds of `id` alone its generic plan took the primary key, whose range between a rare key's window ends holds
   * every other key's rows; so there the bounds name the key's column too, `(api_key_id, id) < (?, ?)`, which only
   * this index serves (SQLite takes no such bound after an equality on its first column).
   */
  async listWindow(
    environmentId: string,
    filters: AuditFilters,
    input: { after: string | null; descending: boolean; window: number; limit: number },
  ): Promise<{ rows: AuditRecord[]; reached: string | null }> {
    const { apiKeyId, objectId, ...others } = filters;
    const told = this.capabilities.indexedBy;
    if (apiKeyId === undefined && objectId === undefined) {
      const filtered = allFilters(equalityFilters({ environment_id: environmentId }), auditConditions(others));
      return idWindow(this.executor, told ? 'audit_log INDEXED BY sqlite_autoindex_audit_log_1' : 'audit_log', filtered, input, mapAudit);
    }
    const [index, column, value, rest] =
      apiKeyId !== undefined ? ['audit_log_key', 'api_key_id', apiKeyId, Object.assign({}, others, { objectId })] : ['audit_log_object', 'object_id', objectId!, others];
    const { rows, reached } = await fetchWindow({
      executor: this.executor,
      table: told ? `audit_log INDEXED BY ${index}` : 'audit_log',
      keyColumns: told ? ['id'] : [column, 'id'],
      scope: equalityFilters({ environment_id: environmentId, [column]: value }),
      ...auditConditions(rest),
      start: input.after === null ? null : { key: told ? [input.after] : [value, input.after], inclusive: false },
      descending: input.descending,
      window: input.window,
      limit: input.limit,
      map: mapAudit,
    });
    return { rows, reached: reached === null ? null : String(reached.at(-1)) };
  }
}

/** The filters as conditions; an undefined one is no condition. */
function auditConditions(filters: AuditFilters): { where: string[]; params: unknown[] } {
  return allFilters(
    equalityFilters({ api_key_id: filters.apiKeyId, object_id: filters.objectId, operation: filters.operation, request_id: filters.requestId }),
    rangeFilters('created_at', { gte: filters.createdFrom, lt: filters.createdBefore }),
  );
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

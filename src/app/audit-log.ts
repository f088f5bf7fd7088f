import type { AuditFilters } from '../store/repository/audit-queries.ts';
import type { AuditRecord, Page, PageRequest } from '../store/records.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { pageInIdWindows } from './list-windows.ts';

/**
 * The audit log: one row per write an API key makes, inserted by the write's
 * own transaction (so a write that rolls back leaves no row, and a committed one
 * always has its row). Replays of an idempotent request write nothing and are
 * not logged. Writes the server makes on its own (expiry sweeps, webhook
 * deliveries) carry no actor and are not logged.
 */
export async function recordAudit(dependencies: AppDependencies, repository: Repository, context: RequestContext, objectId: string | null): Promise<void> {
  const actor = context.actor;
  if (!actor) return;
  await repository.audit.insert({
    id: dependencies.newId('aud'),
    environmentId: context.environment.id,
    apiKeyId: actor.apiKeyId,
    operation: actor.operation,
    objectId,
    requestId: context.requestId,
    clientAddress: actor.clientAddress,
    // Wall-clock time, not a test environment's frozen clock: when it really happened.
    createdAt: dependencies.clock.now(),
  });
}

/** The ID of the object a presented response describes: its `id`, or that of the one object it wraps (`{credit_grant: {id}}`). */
export function presentedObjectId(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const record = body as Record<string, unknown>;
  if (typeof record.id === 'string') return record.id;
  const nested = Object.values(record).filter((value): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value));
  return nested.length === 1 && typeof nested[0]!.id === 'string' ? nested[0]!.id : null;
}

/**
 * The audit log, newest first. By key alone or by object alone the list is a range of that index, the page itself:
 * one read. Any other filter (operation, request, time), or none, is read in windows of the index the list walks
 * a turn apart (list-windows.ts; `AuditQueries.listWindow`): one statement walked until a page matched, through
 * every environment's rows for an environment-wide list (21–28 ms on SQLite at 200,000) or a key's for a key and
 * an operation it never made (142 ms).
 */
export function listAuditLog(dependencies: AppDependencies, context: RequestContext, filters: AuditFilters, page: PageRequest, options: { windowRows?: number } = {}): Promise<Page<AuditRecord>> {
  const environmentId = context.environment.id;
  const { apiKeyId, objectId, ...others } = filters;
  const onlyIndexed = (apiKeyId === undefined) !== (objectId === undefined) && Object.values(others).every((value) => value === undefined);
  if (onlyIndexed) return dependencies.store.read((repository) => repository.audit.list(environmentId, filters, page));
  return pageInIdWindows(
    dependencies,
    page,
    (repository, id) => repository.audit.has(environmentId, id),
    (repository, input) => repository.audit.listWindow(environmentId, filters, input),
    options,
  );
}

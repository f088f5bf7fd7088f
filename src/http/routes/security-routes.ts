import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../route-contract.ts';
import { createEnvironmentKey, listEnvironmentKeys, revokeEnvironmentKey } from '../../app/api-keys.ts';
import { listAuditLog } from '../../app/audit-log.ts';
import type { ApiKeyRecord, AuditRecord } from '../../store/records.ts';
import { listView } from '../presenters.ts';
import { contextOf } from '../../edge/request-context.ts';
import { pageOf, type RouteDependencies } from '../route-support.ts';
import { EmptyActionBody, IdParams, ListQuery } from '../schemas.ts';
import { ApiKeyResponse, AuditEntryResponse, CreateApiKeyBody, CreatedApiKeyResponse, ListAuditLogQuery, listResponse } from '../security-schemas.ts';
import { parseOptionalTimestamp, toTimestamp } from '../../edge/time.ts';

const optionalTime = (instant: number | null) => (instant === null ? null : toTimestamp(instant));

export function apiKeyView(key: ApiKeyRecord) {
  return {
    object: 'api_key',
    id: key.id,
    name: key.name,
    prefix: key.keyPrefix,
    scopes: key.scopes,
    createdAt: toTimestamp(key.createdAt),
    lastUsedAt: optionalTime(key.lastUsedAt),
    revokedAt: optionalTime(key.revokedAt),
  };
}

export function auditEntryView(entry: AuditRecord) {
  return {
    object: 'audit_entry',
    id: entry.id,
    apiKeyId: entry.apiKeyId,
    operation: entry.operation,
    objectId: entry.objectId,
    requestId: entry.requestId,
    clientAddress: entry.clientAddress,
    createdAt: toTimestamp(entry.createdAt),
  };
}

/** API keys of the caller's environment (scope `keys:manage`) and the audit log (scope `audit_log:read`). */
export function registerSecurityRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateApiKeyBody> }>('/api-keys', { schema: routeSchema({ operationId: 'createApiKey', summary: 'Create an API key (the secret is shown once)', tags: ['api keys'], body: CreateApiKeyBody, success: { 201: CreatedApiKeyResponse } }) }, async (request, reply) => {
    const { key, record } = await createEnvironmentKey(app, contextOf(request), { name: request.body.name, scopes: request.body.scopes });
    // The only time the key itself is shown.
    return reply.code(201).send(Object.assign({}, apiKeyView(record), { key }));
  });

  server.get<{ Querystring: Static<typeof ListQuery> }>('/api-keys', { schema: routeSchema({ operationId: 'listApiKeys', summary: 'List API keys', tags: ['api keys'], querystring: ListQuery, success: { 200: listResponse(ApiKeyResponse) } }) }, async (request) =>
    listView(await listEnvironmentKeys(app, contextOf(request), pageOf(request.query)), apiKeyView),
  );

  server.post<{ Params: Static<typeof IdParams> }>('/api-keys/:id/revoke', { schema: routeSchema({ operationId: 'revokeApiKey', summary: 'Revoke an API key', tags: ['api keys'], params: IdParams, body: EmptyActionBody, success: { 200: ApiKeyResponse } }) }, async (request) =>
    apiKeyView(await revokeEnvironmentKey(app, contextOf(request), request.params.id)),
  );

  server.get<{ Querystring: Static<typeof ListAuditLogQuery> }>('/audit-log', { schema: routeSchema({ operationId: 'listAuditLog', summary: 'List the audit log, newest first', tags: ['audit log'], querystring: ListAuditLogQuery, success: { 200: listResponse(AuditEntryResponse) } }) }, async (request) => {
    const { limit: _limit, startingAfter: _cursor, createdFrom, createdBefore, ...filters } = request.query;
    const range = { createdFrom: parseOptionalTimestamp(createdFrom, 'createdFrom') ?? undefined, createdBefore: parseOptionalTimestamp(createdBefore, 'createdBefore') ?? undefined };
    return listView(await listAuditLog(app, contextOf(request), Object.assign({}, filters, range), pageOf(request.query)), auditEntryView);
  });
}

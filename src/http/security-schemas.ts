import { Type, type TSchema } from '@sinclair/typebox';
import { scopes } from '../app/scopes.ts';
import { Identifier, pageQuery, strictObject, Timestamp } from './schemas.ts';

/** Request schemas of API keys and the audit log. */
export const ScopeName = Type.Union(scopes.map((scope) => Type.Literal(scope)), { description: 'What the key may do; `all` is full access.' });

export const CreateApiKeyBody = strictObject({
  name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  scopes: Type.Optional(Type.Array(ScopeName, { minItems: 1, maxItems: scopes.length, description: 'Default ["all"]. Only scopes the calling key holds.' })),
});

export const ListAuditLogQuery = strictObject({
  ...pageQuery,
  apiKeyId: Type.Optional(Identifier),
  objectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  operation: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Exact, e.g. `POST /v1/debits` or `stripe:POST /v1/billing/credit_grants`.' })),
  requestId: Type.Optional(Identifier),
  createdFrom: Type.Optional(Timestamp),
  createdBefore: Type.Optional(Timestamp),
});

const Time = Type.String({ description: 'RFC 3339, UTC.' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const ApiKeyResponse = Type.Object({
  object: Type.Literal('api_key'),
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.String({ description: 'The first 12 characters of the key, to recognise it.' }),
  scopes: Type.Array(Type.String()),
  createdAt: Time,
  lastUsedAt: Type.Union([Time, Type.Null()], { description: 'To within a minute; null if never used.' }),
  revokedAt: NullableTime,
}, { additionalProperties: false, description: 'An API key (without its secret).' });

export const CreatedApiKeyResponse = Type.Composite([ApiKeyResponse, Type.Object({ key: Type.String({ description: 'The key itself: shown this once, never stored.' }) })], {
  additionalProperties: false,
  description: 'The new API key, with its secret shown this once.',
});

export const AuditEntryResponse = Type.Object({
  object: Type.Literal('audit_entry'),
  id: Type.String(),
  apiKeyId: Type.String({ description: 'The key that wrote (or the portal session, ps_…, for a customer portal purchase).' }),
  operation: Type.String({ description: 'The surface and route, e.g. `POST /v1/debits` or `stripe:POST /v1/billing/credit_grants`.' }),
  objectId: Type.Union([Type.String(), Type.Null()], { description: 'The object the write created or changed.' }),
  requestId: Type.String(),
  clientAddress: Type.String(),
  createdAt: Time,
}, { additionalProperties: false, description: 'One write, who made it and from where.' });

export function listResponse<Item extends TSchema>(item: Item) {
  return Type.Object({ object: Type.Literal('list'), data: Type.Array(item), hasMore: Type.Boolean() }, { additionalProperties: false, description: 'A page.' });
}

export const CreateTestEnvironmentBody = strictObject({
  name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
});

export const TestEnvironmentResponse = Type.Object({
  object: Type.Literal('test_environment'),
  id: Type.String(),
  name: Type.String(),
  default: Type.Boolean({ description: 'The environment `serve` made; it cannot be deleted.' }),
  clock: Type.Union([Time, Type.Null()], { description: "The frozen test clock's time; null when it follows the real clock." }),
  createdAt: Time,
  deletedAt: NullableTime,
}, { additionalProperties: false, description: 'A test environment.' });

export const CreatedTestEnvironmentResponse = Type.Composite([
  TestEnvironmentResponse,
  Type.Object({ key: Type.String({ description: "A full-access test key of the new environment: shown this once, never stored." }) }),
], { additionalProperties: false, description: 'The new test environment, with its key shown this once.' });

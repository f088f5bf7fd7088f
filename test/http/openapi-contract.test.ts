import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deferredCompilesOf } from '../../src/edge/deferred-compile.ts';
import { startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Every documented operation states its contract (see src/http/README.md): a new
 * route without it fails here. That its bodies match what it states is checked
 * on every response the HTTP tests provoke (TestApi turns on the server's
 * response check).
 */
/** A response documented as streamed text (not one JSON body): exports, in CSV and JSON lines. */
function isStreamed(response: Json): boolean {
  const mediaTypes = Object.keys(response.content ?? {});
  return mediaTypes.length > 0 && !mediaTypes.includes('application/json');
}

describe('the OpenAPI document states every operation fully', () => {
  let api: TestApi;
  let operations: Array<{ name: string; path: string; method: string; operation: Json }>;

  before(async () => {
    api = await startTestApi();
    const document = (await api.get('/openapi.json', { key: null })).body;
    operations = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Json>)
        .filter(([method]) => ['get', 'post', 'patch', 'put', 'delete'].includes(method))
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, method, operation })),
    );
  });
  after(() => api.close());

  // Validators and serializers compile on first use (edge/deferred-compile.ts): a schema that cannot compile would
  // otherwise surface only at its route's first request.
  it('compiles every route\'s validators and serializers', () => {
    assert.ok(deferredCompilesOf(api.server).compileAll() > operations.length);
  });

  it('has a unique camelCase operationId and a summary', () => {
    assert.ok(operations.length >= 40);
    const ids = operations.map(({ name, operation }) => {
      assert.match(operation.operationId ?? '', /^[a-z][A-Za-z]+$/, `${name}: operationId`);
      assert.ok(typeof operation.summary === 'string' && operation.summary.length > 5, `${name}: summary`);
      return operation.operationId;
    });
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  it('documents one success body and the error body for each refusal, with the Request-Id header', () => {
    const streamed = operations.filter(({ operation }) => isStreamed(operation.responses['200'] ?? {})).map(({ name }) => name);
    assert.deepEqual(streamed, ['GET /v1/exports/ledger', 'GET /v1/exports/grants', 'GET /v1/exports/usage', 'GET /v1/exports/revenue'], 'the exports, and only they, stream');
    for (const { name, method, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      const successes = statuses.filter((status) => status.startsWith('2'));
      assert.ok(successes.length > 0, `${name}: a success response`);
      if (method === 'post' && successes.includes('201')) assert.ok(!/^POST .*\/\{id\}\//.test(name), `${name}: an action on an object answers 200`);
      for (const status of ['400', '401', '429', '500']) assert.ok(statuses.includes(status), `${name}: documents ${status}`);
      if (name.includes('{id}')) assert.ok(statuses.includes('404'), `${name}: documents 404`);
      for (const status of statuses) {
        const response = operation.responses[status];
        assert.notEqual(response.description, 'Default Response', `${name} ${status}: a description`);
        assert.ok(response.headers?.['Request-Id'], `${name} ${status}: Request-Id header`);
        if (isStreamed(response)) {
          // A streamed body (an export) is text in each documented media type; only a read streams, and only on success.
          assert.ok(method === 'get' && status === '200', `${name} ${status}: only a GET's 200 is streamed`);
          for (const [mediaType, media] of Object.entries<Json>(response.content)) {
            assert.equal(media.schema?.type, 'string', `${name} ${mediaType}: text`);
            assert.ok(media.schema.description?.length > 10, `${name} ${mediaType}: says what the text holds`);
          }
          continue;
        }
        const schema = response.content?.['application/json']?.schema;
        assert.equal(schema?.type, 'object', `${name} ${status}: a JSON object schema`);
        assert.equal(schema.additionalProperties, false, `${name} ${status}: closed, so no field goes undocumented`);
        if (status.startsWith('2')) assert.ok(schema.required?.length > 0, `${name} ${status}: names its fields`);
        else assert.deepEqual(schema.required, ['error'], `${name} ${status}: the error shape`);
      }
    }
  });

  it('documents Idempotency-Key exactly where a repeat is replayed, and query parameters with their types', () => {
    const idempotent = operations.filter(({ operation }) => (operation.parameters ?? []).some((parameter: Json) => parameter.in === 'header' && parameter.name === 'Idempotency-Key'));
    assert.ok(idempotent.length >= 12, `${idempotent.length} operations take Idempotency-Key`);
    for (const { name, method, operation } of operations) {
      const declared = idempotent.some((entry) => entry.name === name);
      assert.ok(method !== 'get' || !declared, `${name}: a read takes no idempotency key`);
      const success = Object.entries(operation.responses as Record<string, Json>).find(([status]) => status.startsWith('2'))![1];
      if (declared) assert.ok(success.headers['Idempotent-Replayed'], `${name}: Idempotent-Replayed documented with Idempotency-Key`);
      if (declared) assert.ok(operation.responses['409'], `${name}: a reused key is a 409`);
      for (const parameter of (operation.parameters ?? []).filter((entry: Json) => entry.in === 'query')) {
        if (parameter.name === 'limit') assert.deepEqual([parameter.schema.type, parameter.schema.minimum, parameter.schema.maximum], ['integer', 1, 100], `${name}: limit`);
        if (parameter.name === 'includeVoided') assert.equal(parameter.schema.type, 'boolean', `${name}: includeVoided`);
      }
    }
  });

  it('types amounts as decimal strings in every response', () => {
    const amountFields = new Set(['amount', 'available', 'held', 'consumed', 'balanceAfter', 'net', 'overdraftLimit']);
    let seen = 0;
    const visit = (schema: Json, field: string, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      const types = [schema.type].flat();
      if (amountFields.has(field) && !types.includes('integer') && !types.includes('object') && !schema.anyOf) {
        assert.deepEqual(types.filter((type) => type !== 'null'), ['string'], `${where}: '${field}' is a string`);
        assert.ok(schema.pattern, `${where}: '${field}' is a decimal`);
        seen += 1;
      }
      for (const [key, child] of Object.entries(schema.properties ?? {})) visit(child, key, where);
      for (const child of [...(schema.anyOf ?? []), schema.items]) visit(child, field, where);
    };
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        if (status.startsWith('2') && !isStreamed(response)) visit(response.content['application/json'].schema, '', name);
      }
    }
    assert.ok(seen > 50);
  });
});

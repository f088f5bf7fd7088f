import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import Fastify from 'fastify';
import { attachDeferredCompiles, DeferredCompiles, deferredCompilesOf, deferredSerializerOption } from './deferred-compile.ts';

const ajv = new Ajv({ coerceTypes: true });
const schema = { type: 'object', properties: { limit: { type: 'integer' } }, required: ['limit'] };

describe('DeferredCompiles', () => {
  it('compiles a validator on its first call, once, and answers as Ajv does', () => {
    const deferred = new DeferredCompiles();
    let compiles = 0;
    const validate = deferred.validator(() => {
      compiles += 1;
      return ajv.compile(schema);
    });
    assert.equal(compiles, 0);
    assert.ok((validate as unknown as { schemaEnv: unknown }).schemaEnv, 'Fastify passes the parent object only to a function with schemaEnv');
    const query: Record<string, unknown> = { limit: '2' };
    assert.equal(validate(query), true);
    assert.equal(query.limit, 2, 'coerced in place, as the compiled function does');
    assert.equal(validate({}), false);
    assert.equal((validate.errors ?? [])[0]?.keyword, 'required');
    assert.equal(validate({ limit: 3 }), true);
    assert.equal(validate.errors, null, 'the errors of the last call, not an earlier one');
    assert.equal(compiles, 1);
    assert.equal(deferred.compileAll(), 1, 'still listed as pending, compiled at most once');
    assert.equal(compiles, 1);
  });

  it('compiles everything pending on compileAll, and throws a schema that cannot compile', () => {
    const deferred = new DeferredCompiles();
    let compiles = 0;
    const serialize = deferred.serializer(() => {
      compiles += 1;
      return (data) => `<${String(data)}>`;
    });
    deferred.validator(() => ajv.compile({ type: 'no-such-type' }));
    assert.throws(() => deferred.compileAll(), /type/);
    assert.equal(compiles, 1);
    assert.equal(serialize('x'), '<x>');
    assert.equal(compiles, 1);
    assert.equal(deferred.compileAll(), 0, 'nothing is left once compileAll has run');
  });

  it('defers a Fastify server\'s serializers until a route answers, and compiles the rest once it listens', async () => {
    const deferred = new DeferredCompiles();
    const server = Fastify({ schemaController: deferredSerializerOption(deferred) });
    attachDeferredCompiles(server, deferred);
    const response = { 200: { type: 'object', properties: { amount: { type: 'string' } } } };
    server.get('/a', { schema: { response } }, async () => ({ amount: '1.50', dropped: true }));
    server.get('/b', { schema: { response } }, async () => ({ amount: '2' }));
    await server.ready();
    assert.equal(deferredCompilesOf(server), deferred);
    const answer = await server.inject({ method: 'GET', url: '/a' });
    assert.equal(answer.body, '{"amount":"1.50"}', 'the route\'s own schema serialized it (an unknown field dropped)');
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      for (let turn = 0; turn < 10; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(deferred.compileAll(), 0, 'compiled in the background after listening');
    } finally {
      await server.close();
    }
  });
});

import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

export interface ResponseProblem {
  method: string;
  route: string;
  status: number;
  /** What does not match, for the person reading the failed test. */
  message: string;
}

/**
 * Checks every JSON body a documented route sends, before it is serialised,
 * against the schema the route documents for that status: a status it does not
 * document, a field its schema lacks (the serialiser would drop it) or a value
 * of another type (it would be coerced, e.g. an amount written as a number) is
 * reported, as is a replay on a route that does not document `Idempotent-Replayed`.
 * Tests turn it on (server option `checkResponse`); it costs a
 * validation per response, so production does not.
 */
export function installResponseCheck(server: FastifyInstance, report: (problem: ResponseProblem) => void): void {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const compiled = new WeakMap<object, ValidateFunction>();
  server.addHook('preSerialization', async (request, reply, payload) => {
    const schema = request.routeOptions.schema;
    if (!schema || schema.hide) return payload;
    const problem = (message: string) =>
      report({ method: request.method, route: request.routeOptions.url ?? request.url, status: reply.statusCode, message });
    const responses = (schema.response ?? {}) as Record<string, object>;
    const documented = responses[String(reply.statusCode)];
    if (!documented) {
      problem(`status ${reply.statusCode} is not documented (documented: ${Object.keys(responses).join(', ') || 'none'}); body ${bodyText(payload)}`);
      return payload;
    }
    const replayDocumented = Boolean((documented as { headers?: Record<string, unknown> }).headers?.['Idempotent-Replayed']);
    if (reply.getHeader('idempotent-replayed') !== undefined && !replayDocumented) problem('replays an earlier answer but does not document Idempotent-Replayed (`idempotent` or `replayed` in its contract)');
    let validate = compiled.get(documented);
    if (!validate) compiled.set(documented, (validate = ajv.compile(documented)));
    if (!validate(payload)) problem(`${(validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`).join('; ')}; body ${bodyText(payload)}`);
    return payload;
  });
}

function bodyText(payload: unknown): string {
  try {
    return JSON.stringify(payload);
  } catch (error) {
    return `(not JSON: ${(error as Error).message})`;
  }
}

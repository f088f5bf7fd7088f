import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { deferredCompilesOf } from '../edge/deferred-compile.ts';

/**
 * Request validation. Bodies, path parameters and headers are checked exactly as
 * sent: nothing is coerced, defaulted or removed, so `"amount": 12.5` never
 * becomes a string and an unknown field is an error. A query string is text by
 * nature, so its values are read as the types its schema declares
 * (`limit=2` is the integer 2, `includeVoided=true` the boolean true); text that
 * is not such a value is still a 400 naming the parameter. Each validator compiles on
 * first use or once the server listens (deferred-compile.ts), not before it starts.
 */
export function installRequestValidation(server: FastifyInstance): void {
  // `verbose`: a violation carries its schema, whose description names what is allowed (edge/schema-messages.ts).
  const options = { removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, strict: false } as const;
  const exact = new Ajv({ ...options, coerceTypes: false });
  const query = new Ajv({ ...options, coerceTypes: true });
  const deferred = deferredCompilesOf(server);
  server.setValidatorCompiler(({ schema, httpPart }) => deferred.validator(() => (httpPart === 'querystring' ? query : exact).compile(schema)));
}

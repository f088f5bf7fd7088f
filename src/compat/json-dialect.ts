import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from '../app/api-keys.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import { CreditbookError } from '../domain/errors.ts';
import { toCreditbookError } from '../http/errors.ts';
import { installExactJsonParser } from '../http/json-body.ts';

/**
 * What the JSON dialects (Stigg, Paygentic) share: exact JSON bodies, every
 * error in the vendor's shape (one mapping per dialect: `sendError`), and
 * authentication with the Creditbook key the vendor's client presents.
 */
export function setUpJsonDialect(
  server: FastifyInstance,
  dependencies: AppDependencies,
  options: {
    presentedKey: (request: FastifyRequest) => string | undefined;
    missingKeyMessage: string;
    sendError: (reply: FastifyReply, error: CreditbookError) => FastifyReply;
  },
): void {
  const authenticator = new ApiKeyAuthenticator(dependencies);
  installExactJsonParser(server);
  server.setErrorHandler((error, request, reply) => {
    const mapped = toCreditbookError(error);
    if (mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return options.sendError(reply, mapped);
  });
  server.setNotFoundHandler((request, reply) =>
    options.sendError(reply, new CreditbookError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
  server.addHook('onRequest', async (request) => {
    const key = options.presentedKey(request);
    if (!key) throw new CreditbookError('unauthenticated', options.missingKeyMessage);
    const environment = await authenticator.authenticate(key);
    request.creditbookContext = { environment, requestId: request.id };
  });
}

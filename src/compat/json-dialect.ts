import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EdgeAccess } from '../edge/access.ts';
import { installErrorHandlers, pathOf, sendErrorResponse, type ErrorResponse } from '../edge/errors.ts';
import { installExactJsonParser } from '../edge/json-body.ts';
import { authenticateRequest } from '../edge/request-context.ts';

/**
 * What the JSON dialects (Stigg, Paygentic) share: exact JSON bodies, every
 * error in the vendor's shape (one mapping per dialect: `errorResponse`), and
 * authentication with the Creditbook key the vendor's client presents.
 */
export function setUpJsonDialect(
  server: FastifyInstance,
  access: EdgeAccess,
  options: {
    surface: string;
    presentedKey: (request: FastifyRequest) => string | undefined;
    missingKeyMessage: string;
    errorResponse: ErrorResponse;
  },
): void {
  installExactJsonParser(server);
  installErrorHandlers(server, { send: sendErrorResponse(options.errorResponse), notFound: (request) => `No route ${request.method} ${pathOf(request)}.` });
  server.addHook('onRequest', async (request, reply) => {
    await authenticateRequest(request, reply, { access, key: options.presentedKey(request), missing: options.missingKeyMessage, surface: options.surface });
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CreditbookError, ErrorCode } from '../domain/errors.ts';
import { installErrorHandlers, pathOf } from '../edge/errors.ts';

/** The one place native error codes become HTTP statuses and error types. */
export const nativeErrorStatus: Record<ErrorCode, { status: number; type: string }> = {
  validation_error: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unauthenticated: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  insufficient_balance: { status: 402, type: 'balance_error' },
  idempotency_conflict: { status: 409, type: 'idempotency_error' },
  state_conflict: { status: 409, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  not_supported: { status: 501, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
};

export function errorBody(error: CreditbookError, requestId: string) {
  const { type } = nativeErrorStatus[error.code];
  return {
    error: {
      type,
      code: error.code,
      message: error.message,
      ...(error.param !== undefined ? { param: error.param } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
      requestId,
    },
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: CreditbookError): FastifyReply {
  return reply.code(nativeErrorStatus[error.code].status).send(errorBody(error, request.id));
}

export function installErrorHandling(server: FastifyInstance): void {
  installErrorHandlers(server, { send: sendError, notFound: (request) => `No route ${request.method} ${pathOf(request)}.` });
}

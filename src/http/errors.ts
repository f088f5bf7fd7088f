import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreditbookError, type ErrorCode } from '../domain/errors.ts';

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

/** Turns anything thrown into a CreditbookError; unknown errors become internal_error with no internals exposed. */
export function toCreditbookError(error: unknown): CreditbookError {
  if (error instanceof CreditbookError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: Array<{ instancePath: string; message?: string; params: Record<string, unknown>; keyword: string }> };
  if (fastifyError.validation && fastifyError.validation.length > 0) return fromSchemaViolation(fastifyError.validation[0]!, fastifyError.validationContext);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CreditbookError('payload_too_large', 'The request body is too large (at most 1 MiB).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CreditbookError('validation_error', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new CreditbookError('invalid_json', 'The body is empty; send a JSON object.');
    default:
      return new CreditbookError('internal_error', 'Something went wrong on our side. Quote the requestId when reporting it.');
  }
}

function fromSchemaViolation(
  violation: { instancePath: string; message?: string; params: Record<string, unknown>; keyword: string },
  context: string | undefined,
): CreditbookError {
  const path = violation.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  if (violation.keyword === 'required') path.push(String(violation.params.missingProperty));
  if (violation.keyword === 'additionalProperties') path.push(String(violation.params.additionalProperty));
  const param = path.join('.') || (context ?? 'body');
  const isAmount = /(^|\.)(amount|overdraftLimit)$/.test(param);
  const message =
    isAmount && (violation.keyword === 'type' || violation.keyword === 'pattern' || violation.keyword === 'anyOf')
      ? `'${param}' must be a decimal string such as "12.5", or a number.`
      : violation.keyword === 'required'
      ? `'${param}' is required.`
      : violation.keyword === 'additionalProperties'
        ? `Unknown parameter '${param}'.`
        : `'${param}' ${violation.message ?? 'is invalid'}.`;
  return new CreditbookError('validation_error', message, { param });
}

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
  server.setErrorHandler((error, request, reply) => {
    const mapped = toCreditbookError(error);
    if (mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, request, mapped);
  });
  server.setNotFoundHandler((request, reply) =>
    sendError(reply, request, new CreditbookError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

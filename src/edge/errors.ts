import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreditbookError } from '../domain/errors.ts';
import { violationError, type SchemaViolation } from './schema-messages.ts';

export type SendError = (reply: FastifyReply, request: FastifyRequest, error: CreditbookError) => FastifyReply;

/** How an edge words the framework's own failures (its vendor's phrasing). */
export interface FrameworkWording {
  /** A body of a content type the edge does not parse. */
  unsupportedMediaType: string;
  /** A failure with no code of ours: nothing about it is shown. */
  internal: string;
}

export const NATIVE_WORDING: FrameworkWording = {
  unsupportedMediaType: 'Send the body as application/json.',
  internal: 'Something went wrong on our side. Quote the requestId when reporting it.',
};

/** Turns anything thrown into a CreditbookError; unknown errors become internal_error with no internals exposed. */
export function toCreditbookError(error: unknown, wording: FrameworkWording = NATIVE_WORDING): CreditbookError {
  if (error instanceof CreditbookError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: SchemaViolation[] };
  if (fastifyError.validation && fastifyError.validation.length > 0) return violationError(fastifyError.validation, fastifyError.validationContext);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CreditbookError('payload_too_large', 'The request body is too large (at most 1 MiB).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CreditbookError('validation_error', wording.unsupportedMediaType);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new CreditbookError('invalid_json', 'The body is empty; send a JSON object.');
    default:
      return new CreditbookError('internal_error', wording.internal);
  }
}

/**
 * Every error of an edge's scope, and every unknown route, in the edge's own
 * shape (`send`, its one mapping from error codes to statuses). Internal errors
 * are logged with their cause and shown without it.
 */
export function installErrorHandlers(
  server: FastifyInstance,
  options: { send: SendError; notFound: (request: FastifyRequest) => string; wording?: FrameworkWording; logLabel?: string },
): void {
  server.setErrorHandler((error, request, reply) => {
    const mapped = toCreditbookError(error, options.wording);
    if (mapped.code === 'internal_error') request.log.error({ err: error }, options.logLabel ?? 'unhandled error');
    return options.send(reply, request, mapped);
  });
  server.setNotFoundHandler((request, reply) => options.send(reply, request, new CreditbookError('not_found', options.notFound(request))));
}

/** The path of a request, without its query. */
export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0]!;
}

/** An edge's one mapping from an error to its status and body. */
export type ErrorResponse = (error: CreditbookError) => { status: number; body: unknown };

/** Sends errors through an edge's `ErrorResponse`. */
export function sendErrorResponse(errorResponse: ErrorResponse): SendError {
  return (reply, _request, error) => {
    const { status, body } = errorResponse(error);
    return reply.code(status).send(body);
  };
}

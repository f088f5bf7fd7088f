/**
 * The closed set of error codes. Every layer throws `CreditbookError` with one of
 * these codes; each dialect maps them to HTTP statuses in exactly one place.
 */
export const errorCodes = [
  'validation_error',
  'invalid_json',
  'payload_too_large',
  'unauthenticated',
  'forbidden',
  'not_found',
  'insufficient_balance',
  'idempotency_conflict',
  'state_conflict',
  'rate_limited',
  'not_supported',
  'internal_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetails {
  /** The request parameter at fault, as a dotted path (`amount`, `metadata.plan`). */
  param?: string;
  /** Extra machine-readable facts, such as the available amount on a 402. */
  details?: Record<string, unknown>;
}

export class CreditbookError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, extra: ErrorDetails = {}) {
    super(message);
    this.name = 'CreditbookError';
    this.code = code;
    this.param = extra.param;
    this.details = extra.details;
  }
}

export function validationError(param: string, message: string): CreditbookError {
  return new CreditbookError('validation_error', message, { param });
}

export function notFound(what: string, id: string, param?: string): CreditbookError {
  return new CreditbookError('not_found', `No ${what} with id '${id}'.`, param === undefined ? {} : { param });
}

export function stateConflict(message: string): CreditbookError {
  return new CreditbookError('state_conflict', message);
}

import type { FrameworkWording } from '../../edge/errors.ts';
import { CreditbookError, type ErrorCode } from '../../domain/errors.ts';

/**
 * The one place Creditbook's error codes become Chargebee errors. Chargebee uses
 * 400 for most client errors, names a coarse `api_error_code` from its own fixed
 * vocabulary, and a finer `error_code`; here `error_code` is Creditbook's own code,
 * so a caller can still tell an insufficient balance from other state conflicts.
 */
const chargebeeErrors: Record<ErrorCode, { status: number; type: string; apiErrorCode: string }> = {
  validation_error: { status: 400, type: 'invalid_request', apiErrorCode: 'param_wrong_value' },
  invalid_json: { status: 400, type: 'invalid_request', apiErrorCode: 'invalid_request' },
  payload_too_large: { status: 400, type: 'invalid_request', apiErrorCode: 'invalid_request' },
  unauthenticated: { status: 401, type: 'invalid_request', apiErrorCode: 'api_authentication_failed' },
  forbidden: { status: 403, type: 'invalid_request', apiErrorCode: 'api_authorization_failed' },
  not_found: { status: 404, type: 'invalid_request', apiErrorCode: 'resource_not_found' },
  insufficient_balance: { status: 400, type: 'operation_failed', apiErrorCode: 'invalid_state_for_request' },
  idempotency_conflict: { status: 409, type: 'invalid_request', apiErrorCode: 'invalid_state_for_request' },
  state_conflict: { status: 409, type: 'operation_failed', apiErrorCode: 'invalid_state_for_request' },
  rate_limited: { status: 429, type: 'invalid_request', apiErrorCode: 'api_request_limit_exceeded' },
  // Never 5xx: the client retries those, and asking again will not make it supported.
  not_supported: { status: 400, type: 'invalid_request', apiErrorCode: 'invalid_request' },
  internal_error: { status: 500, type: 'internal_error', apiErrorCode: 'internal_error' },
};

export interface ChargebeeErrorBody {
  message: string;
  type: string;
  api_error_code: string;
  param?: string;
  error_code: string;
  http_status_code: number;
}

export function chargebeeErrorBody(error: CreditbookError): ChargebeeErrorBody {
  const mapped = chargebeeErrors[error.code];
  return {
    message: error.message,
    type: mapped.type,
    api_error_code: mapped.apiErrorCode,
    ...(error.param !== undefined ? { param: error.param } : {}),
    error_code: error.code,
    http_status_code: mapped.status,
  };
}

/** A Chargebee parameter error (400, `param_wrong_value`). */
export function parameterError(param: string, message: string): CreditbookError {
  return new CreditbookError('validation_error', message, { param });
}

export function noSuch(what: string, id: string, param?: string): CreditbookError {
  return new CreditbookError('not_found', `${what} not found: '${id}'.`, param === undefined ? {} : { param });
}

/**
 * The use cases name native parameters; the Chargebee caller sent Chargebee's.
 * Unknown names pass through unchanged.
 */
const nativeToChargebeeParams: Record<string, string> = {
  amount: 'amount',
  expiresAt: 'expires_at',
  effectiveAt: 'effective_from',
  unit: 'unit_id',
  customerId: 'customer_id',
  walletKey: 'subscription_id',
  metadata: 'metadata',
  occurredAt: 'ledger_operation_timestamp',
  idempotencyKey: 'chargebee-idempotency-key',
  startingAfter: 'offset',
  code: 'id',
  name: 'name',
  operationId: 'id',
};

/** Runs a use case, renaming the parameter of any error it throws; `extra` overrides per call (for example `id` → `authorization_id`). */
export async function inChargebeeTerms<T>(work: () => Promise<T>, extra: Record<string, string> = {}): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof CreditbookError) || error.param === undefined) throw error;
    if (error.code === 'idempotency_conflict') {
      // The stored key is scoped to the endpoint (see idempotencyOf); the caller knows only the header's value.
      throw new CreditbookError(error.code, error.message.replace(/'chargebee:[a-z_]+:/, "'").replace('request.', 'request on this endpoint.'), {
        param: 'chargebee-idempotency-key',
      });
    }
    const param = extra[error.param] ?? nativeToChargebeeParams[error.param] ?? error.param;
    if (param === error.param) throw error;
    const message = error.message.replaceAll(`'${error.param}'`, `'${param}'`).replace(new RegExp(`^${error.param}\\b`), param);
    throw new CreditbookError(error.code, message, {
      param,
      ...(error.details ? { details: error.details } : {}),
    });
  }
}

/** How Chargebee's framework failures are worded. */
export const CHARGEBEE_WORDING: FrameworkWording = {
  unsupportedMediaType: 'Send the body as application/json (credit endpoints) or application/x-www-form-urlencoded (credit_units).',
  internal: 'Sorry, something went wrong when trying to process the request.',
};

export function chargebeeErrorResponse(error: CreditbookError): { status: number; body: unknown } {
  const body = chargebeeErrorBody(error);
  return { status: body.http_status_code, body };
}

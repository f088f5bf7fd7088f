import type { CreditbookError, ErrorCode } from '../../domain/errors.ts';

/**
 * The one place Creditbook's error codes become Paygentic errors.
 *
 * Paygentic's client validates error bodies too: they are flat,
 * `{message, error?, code?, details?}`, never nested under `error`. `error` is the
 * coarse HTTP category, `code` an UPPER_SNAKE_CASE business code, and `details` a
 * string-keyed object (it carries the parameter at fault and any facts the error has).
 */
const PAYGENTIC_ERRORS: Record<ErrorCode, { status: number; error: string; code: string }> = {
  validation_error: { status: 400, error: 'bad_request', code: 'VALIDATION_ERROR' },
  invalid_json: { status: 400, error: 'bad_request', code: 'INVALID_JSON' },
  payload_too_large: { status: 413, error: 'payload_too_large', code: 'PAYLOAD_TOO_LARGE' },
  unauthenticated: { status: 401, error: 'unauthorized', code: 'UNAUTHENTICATED' },
  forbidden: { status: 403, error: 'forbidden', code: 'FORBIDDEN' },
  not_found: { status: 404, error: 'not_found', code: 'NOT_FOUND' },
  insufficient_balance: { status: 402, error: 'payment_required', code: 'INSUFFICIENT_BALANCE' },
  idempotency_conflict: { status: 409, error: 'conflict', code: 'IDEMPOTENCY_CONFLICT' },
  state_conflict: { status: 409, error: 'conflict', code: 'STATE_CONFLICT' },
  rate_limited: { status: 429, error: 'too_many_requests', code: 'RATE_LIMITED' },
  not_supported: { status: 501, error: 'not_implemented', code: 'NOT_SUPPORTED' },
  internal_error: { status: 500, error: 'internal_server_error', code: 'INTERNAL_ERROR' },
};

export interface PaygenticErrorBody {
  message: string;
  error: string;
  code: string;
  details?: Record<string, unknown>;
}

export function paygenticError(error: CreditbookError): { status: number; body: PaygenticErrorBody } {
  const mapped = PAYGENTIC_ERRORS[error.code];
  const details = Object.assign({}, error.param !== undefined ? { param: error.param } : {}, error.details);
  return {
    status: mapped.status,
    body: { message: error.message, error: mapped.error, code: mapped.code, ...(Object.keys(details).length > 0 ? { details } : {}) },
  };
}

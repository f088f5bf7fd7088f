import type { FrameworkWording } from '../../edge/errors.ts';
import { CreditbookError, type ErrorCode } from '../../domain/errors.ts';

/**
 * The one place Creditbook's error codes become Stripe's statuses, types and codes.
 *
 * Stripe's client retries 409 and 5xx with the same idempotency key, so nothing a
 * retry cannot fix may be a 409 or a 5xx: conflicts of state and idempotency are
 * 400s here, as they are at Stripe (`idempotency_error` is Stripe's 400).
 */
const STRIPE_ERRORS: Record<ErrorCode, { status: number; type: string; code?: string }> = {
  validation_error: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unauthenticated: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error', code: 'resource_missing' },
  insufficient_balance: { status: 400, type: 'invalid_request_error', code: 'balance_insufficient' },
  idempotency_conflict: { status: 400, type: 'idempotency_error' },
  state_conflict: { status: 400, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error', code: 'rate_limit' },
  not_supported: { status: 400, type: 'invalid_request_error' },
  internal_error: { status: 500, type: 'api_error' },
};

/** Stripe's own codes for parameter errors, carried on a validation_error (`details.stripeCode`). */
export type StripeParameterCode =
  | 'parameter_unknown'
  | 'parameter_missing'
  | 'parameter_invalid_integer'
  | 'parameter_invalid_empty'
  | 'parameters_exclusive'
  | 'resource_missing';

/** A parameter error raised by this dialect: `param` is already Stripe's name for it (`details.stripeParam`). */
export function stripeParameterError(param: string, message: string, stripeCode?: StripeParameterCode): CreditbookError {
  return new CreditbookError('validation_error', message, { param, details: { stripeParam: true, ...(stripeCode ? { stripeCode } : {}) } });
}

/** "No such credit grant: 'credgr_…'": a 404 for an object in the path, a 400 naming the parameter otherwise (as Stripe does). */
export function noSuch(what: string, stripeId: string, param?: string): CreditbookError {
  const message = `No such ${what}: '${stripeId}'`;
  return param === undefined ? new CreditbookError('not_found', message) : stripeParameterError(param, message, 'resource_missing');
}

/** Native parameter names (in errors raised by app/ and domain/) as the Stripe request spells them. */
const STRIPE_PARAMS: Record<string, string> = {
  amount: 'amount[monetary][value]',
  unit: 'amount[monetary][currency]',
  scale: 'amount[monetary][currency]',
  customerId: 'customer',
  effectiveAt: 'effective_at',
  expiresAt: 'expires_at',
  startingAfter: 'starting_after',
  idempotencyKey: 'Idempotency-Key',
};

function stripeWording(text: string): string {
  return text.replace(/\b(effectiveAt|expiresAt|startingAfter|customerId)\b/g, (name) => STRIPE_PARAMS[name]!);
}

export interface StripeErrorResponse {
  status: number;
  body: { error: { type: string; code?: string; message: string; param?: string } };
}

const IDEMPOTENCY_MESSAGE =
  'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than the one you sent if you meant to execute a different request.';

export function stripeErrorResponse(error: CreditbookError): StripeErrorResponse {
  if (error.code === 'idempotency_conflict') return { status: 400, body: { error: { type: 'idempotency_error', message: IDEMPOTENCY_MESSAGE } } };
  const mapped = STRIPE_ERRORS[error.code];
  const stripeCode = error.details?.stripeCode as StripeParameterCode | undefined;
  const param = error.param === undefined || error.details?.stripeParam ? error.param : (STRIPE_PARAMS[error.param] ?? error.param);
  return {
    // A missing object named by a parameter is Stripe's 400 resource_missing; a missing object in the path is a 404.
    status: stripeCode === 'resource_missing' || (error.code === 'not_found' && param !== undefined && param !== 'id') ? 400 : mapped.status,
    body: {
      error: {
        type: mapped.type,
        ...(stripeCode ?? mapped.code ? { code: stripeCode ?? mapped.code } : {}),
        message: stripeWording(error.message),
        ...(param !== undefined ? { param } : {}),
      },
    },
  };
}

/** How Stripe's framework failures are worded. */
export const STRIPE_WORDING: FrameworkWording = {
  unsupportedMediaType: 'Send the body as application/x-www-form-urlencoded, as Stripe clients do.',
  internal: 'An error occurred with our API. Quote the Request-Id header when reporting it.',
};

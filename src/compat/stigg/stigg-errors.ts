import { CreditbookError, type ErrorCode } from '../../domain/errors.ts';

/**
 * The one place Creditbook's error codes become Stigg errors: `{message, code}`
 * with Stigg's status. Codes come from Stigg's documented sets (BadUserInput,
 * Unauthenticated, DuplicatedEntityNotAllowed, RateLimitExceeded, …). Stigg
 * documents no 404 code; `NotFound` is ours, for endpoints whose documented
 * errors are unknown here (see the README).
 *
 * Where Stigg has a more precise code for one of our errors, the dialect tags the
 * error with a reason (stiggFailure) and the reason picks the code here.
 */
const STIGG_ERRORS: Record<ErrorCode, { status: number; code: string | null }> = {
  validation_error: { status: 400, code: 'BadUserInput' },
  invalid_json: { status: 400, code: 'BadUserInput' },
  payload_too_large: { status: 413, code: 'BadUserInput' },
  unauthenticated: { status: 401, code: 'Unauthenticated' },
  forbidden: { status: 403, code: 'IdentityForbidden' },
  not_found: { status: 404, code: 'NotFound' },
  // Stigg documents no 402; running out of credit is a bad request there.
  insufficient_balance: { status: 400, code: 'EntitlementLimitExceededError' },
  // The Stigg client retries 409 twice; a conflicting reuse answers the same each time.
  idempotency_conflict: { status: 409, code: 'DuplicatedEntityNotAllowed' },
  state_conflict: { status: 409, code: 'DuplicatedEntityNotAllowed' },
  rate_limited: { status: 429, code: 'RateLimitExceeded' },
  // 400, not 501: the client retries 5xx, and an unsupported parameter fails the same every time.
  not_supported: { status: 400, code: 'UnsupportedParameter' },
  internal_error: { status: 500, code: null },
};

export type StiggReason =
  | 'expire_before_effective'
  | 'already_voided'
  | 'cannot_be_voided'
  | 'billing_integration_missing'
  | 'unsupported_parameter';

const BY_REASON: Record<StiggReason, { status: number; code: string }> = {
  expire_before_effective: { status: 400, code: 'ExpireAtMustBeLaterThanEffectiveAtError' },
  already_voided: { status: 400, code: 'CreditGrantAlreadyVoided' },
  cannot_be_voided: { status: 400, code: 'CreditGrantCannotBeVoided' },
  billing_integration_missing: { status: 400, code: 'BillingIntegrationMissing' },
  unsupported_parameter: { status: 400, code: 'UnsupportedParameter' },
};

/** Native parameter names as Stigg calls them, for messages and reasons. */
const STIGG_PARAMS: Record<string, string> = { expiresAt: 'expireAt', unit: 'currencyId', walletKey: 'resourceId', occurredAt: 'createdAt', startingAfter: 'after' };

export function stiggFailure(code: ErrorCode, message: string, extra: { param?: string; reason?: StiggReason } = {}): CreditbookError {
  return new CreditbookError(code, message, Object.assign({}, extra.param !== undefined ? { param: extra.param } : {}, extra.reason !== undefined ? { details: { stiggReason: extra.reason } } : {}));
}

function reasonOf(error: CreditbookError): StiggReason | undefined {
  const tagged = error.details?.stiggReason as StiggReason | undefined;
  if (tagged) return tagged;
  // The engine's own ordering check on expiry (for example a race with the clock).
  if (error.code === 'validation_error' && error.param === 'expiresAt' && /later than/.test(error.message)) return 'expire_before_effective';
  return undefined;
}

export function stiggError(error: CreditbookError): { status: number; body: { message: string; code: string | null } } {
  const reason = reasonOf(error);
  const mapped = reason ? BY_REASON[reason] : STIGG_ERRORS[error.code];
  const renamed = error.param !== undefined ? STIGG_PARAMS[error.param] : undefined;
  const message = renamed ? error.message.replaceAll(error.param!, renamed) : error.message;
  return { status: mapped.status, body: { message, code: mapped.code } };
}

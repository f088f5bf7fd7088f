import { stiggFailure } from './stigg-errors.ts';

/** Stigg lists page 20 items unless `limit` (1 to 100) says otherwise. */
export const DEFAULT_PAGE_LIMIT = 20;

/** Lists page forward only (newest first, `after` = the last item's cursor); `before` is refused, not ignored. */
export function refuseBackwardPaging(before: string | undefined): void {
  if (before !== undefined) {
    throw stiggFailure('not_supported', "Paging backwards ('before') is not supported; follow pagination.next with 'after'.", {
      param: 'before',
      reason: 'unsupported_parameter',
    });
  }
}

/**
 * The body without its empty objects (`metadata: {}`, `dimensions: {}`), for an
 * idempotency fingerprint: an explicit empty object asks for what leaving the
 * field out asks for, so a retry that adds or drops one is the same request.
 */
export function withoutEmptyObjects<Body extends Record<string, unknown>>(body: Body): Body {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => !isEmptyObject(value))) as Body;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

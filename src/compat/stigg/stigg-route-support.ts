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

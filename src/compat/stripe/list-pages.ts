import { CreditbookError } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../store/records.ts';
import { noSuch } from './stripe-errors.ts';
import type { StripeParams } from './stripe-params.ts';

export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 100;

/**
 * A Stripe list page over a native cursor list, keeping only what Stripe can see
 * (for example grants in currency wallets, not in `ai_credits`). It reads native
 * pages until it has `limit + 1` kept items or the list ends, so `has_more` is
 * exact and the next `starting_after` (the last kept ID) is a valid native cursor.
 */
export async function collectPage<Item, Kept>(
  list: ListParams,
  input: {
    fetch: (page: PageRequest) => Promise<Page<Item>>;
    idOf: (item: Item) => string;
    keep: (item: Item) => Promise<Kept | undefined>;
  },
): Promise<Page<Kept>> {
  const kept: Kept[] = [];
  const batch = Math.min(Math.max(list.limit + 1, 50), MAX_LIST_LIMIT + 1);
  let cursor = list.startingAfter;
  for (;;) {
    const page = await input.fetch({ limit: batch, startingAfter: cursor }).catch((error: unknown) => {
      const badCursor = error instanceof CreditbookError && error.code === 'validation_error' && error.param === 'startingAfter';
      throw badCursor ? list.missingCursor() : error;
    });
    for (const item of page.data) {
      const view = await input.keep(item);
      if (view === undefined) continue;
      kept.push(view);
      if (kept.length > list.limit) return { data: kept.slice(0, list.limit), hasMore: true };
    }
    if (!page.hasMore || page.data.length === 0) return { data: kept, hasMore: false };
    cursor = input.idOf(page.data[page.data.length - 1]!);
  }
}

export interface ListParams {
  limit: number;
  /** The native ID to start after, or null. */
  startingAfter: string | null;
  /** Answers a `starting_after` that names no object of this list. */
  missingCursor: () => CreditbookError;
}

/** Stripe's list parameters: `limit` (1-100, default 10) and `starting_after` (a Stripe ID of this list's objects). */
export function readListParams(params: StripeParams, cursor: { what: string; fromStripeId: (id: string) => string | undefined }): ListParams {
  params.unsupported(['ending_before', 'expand']);
  const limit = params.integer('limit', { min: 1, max: MAX_LIST_LIMIT }) ?? DEFAULT_LIST_LIMIT;
  const stripeCursor = params.string('starting_after');
  const missingCursor = () => noSuch(cursor.what, stripeCursor ?? '', 'starting_after');
  if (stripeCursor === undefined) return { limit, startingAfter: null, missingCursor };
  const startingAfter = cursor.fromStripeId(stripeCursor);
  if (startingAfter === undefined) throw missingCursor();
  return { limit, startingAfter, missingCursor };
}

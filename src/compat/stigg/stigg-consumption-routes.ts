import type { FastifyInstance } from 'fastify';
import { createDebit } from '../../app/debits.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { contextOf } from '../../edge/request-context.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import type { Metadata } from '../../store/records.ts';
import { DEFAULT_PAGE_LIMIT, refuseBackwardPaging, withoutEmptyObjects } from './stigg-route-support.ts';
import { ConsumptionBody, LedgerQuery, NoQuery } from './stigg-schemas.ts';
import { checkRequest } from '../check-request.ts';
import { stiggConsumptionView, stiggLedgerEntryView, stiggPageView } from './stigg-views.ts';
import { findCurrency, requireListScope, walletKeyOf, walletReference } from './stigg-wallets.ts';
import { listLedgerEntriesWithDebits } from '../../app/ledger-reads.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { idempotencyRequest } from '../../edge/idempotency-key.ts';
import { withEarlierFingerprints } from '../../app/idempotency.ts';

/** Stigg's consumption dimensions become the debit's metadata (values as strings). */
function dimensionsAsMetadata(dimensions: Record<string, string | number | boolean> | undefined): Metadata {
  return Object.fromEntries(Object.entries(dimensions ?? {}).map(([key, value]) => [key, String(value)]));
}

export function registerStiggConsumptionRoutes(server: FastifyInstance, app: AppDependencies): void {
  /**
   * Direct consumption: a debit in burn order. It may go into overdraft up to the
   * wallet's overdraft limit (set through the native API; 0 by default), as Stigg
   * lets usage run past the balance only where an overdraft is allowed. The
   * idempotency key dedupes it: the same key replays the first answer, and the
   * same key with other parameters is a 409.
   */
  server.post('/api/v1/credits/consumption', async (request, reply) => {
    checkRequest(NoQuery, request.query, 'query');
    const body = checkRequest(ConsumptionBody, request.body ?? {}, 'body');
    const context = contextOf(request);
    const occurredAt = parseOptionalTimestamp(body.createdAt, 'createdAt') ?? undefined;
    await findCurrency(app, context, body.currencyId);
    const { idempotencyKey, ...asSent } = body;
    // `dimensions: {}` asks for what no dimensions ask for: a retry that adds or drops it is the same request. A key
    // stored before that (kept 24 hours) was fingerprinted over the body as sent, which still answers the same body.
    const parameters = withoutEmptyObjects(asSent);
    const outcome = await createDebit(app, {
      context,
      input: Object.assign({}, walletReference(body), {
        amount: body.amount,
        onInsufficient: 'overdraft' as const,
        occurredAt,
        metadata: dimensionsAsMetadata(body.dimensions),
      }),
      idempotency: withEarlierFingerprints(idempotencyRequest(idempotencyKey, 'stigg.consumption', parameters), 'stigg.consumption', asSent),
      present: (debit) => ({ status: 200, body: stiggConsumptionView(debit) }),
    });
    return sendOutcome(reply, outcome);
  });

  /** The credit ledger, newest first, as Stigg events; `pagination.next` continues with `after`. */
  server.get('/api/v1/credits/ledger', async (request) => {
    const query = checkRequest(LedgerQuery, request.query, 'query');
    refuseBackwardPaging(query.before);
    const context = contextOf(request);
    await requireListScope(app, context, query);
    const filters = {
      customerId: query.customerId,
      walletKey: walletKeyOf(query.resourceId),
      ...(query.currencyId !== undefined ? { unit: query.currencyId } : {}),
    };
    // The feature a consumption was for lives on its debit.
    const { page, debits } = await listLedgerEntriesWithDebits(app, context, filters, {
      limit: query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(query.limit),
      startingAfter: query.after ?? null,
    });
    const data = page.data.map((entry) => stiggLedgerEntryView(entry, entry.debitId ? debits.get(entry.debitId) : undefined));
    return stiggPageView(data, page.hasMore ? data[data.length - 1]!.eventId : null);
  });
}

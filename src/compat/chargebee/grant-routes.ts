import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Booked } from '../../app/booked.ts';
import { currentTime, type AppDependencies, type RequestContext } from '../../app/dependencies.ts';
import { createGrant, listGrants } from '../../app/grants.ts';
import type { Presented } from '../../app/idempotency.ts';
import { formatAmount } from '../../domain/amount.ts';
import type { GrantCategory, Instant } from '../../domain/types.ts';
import type { GrantRecord } from '../../store/records.ts';
import { contextOf } from '../../edge/request-context.ts';
import { bookedReport } from './booked-report.ts';
import { decodeOffset, encodeOffset, OffsetAfter } from './chargebee-cursor.ts';
import { inChargebeeTerms, parameterError } from './chargebee-errors.ts';
import { ChargebeeListQuery, inTimeRange } from './chargebee-list-query.ts';
import { ChargebeeBody } from './chargebee-params.ts';
import { grantBlockView, type GrantBlockView } from './chargebee-presenters.ts';
import { idempotencyOf, listBody, sendOutcome } from './chargebee-route-support.ts';
import { ensureSubscriptionCustomer, findSubscriptionCustomer, requireCreditUnit, walletKeyOf } from './subscription-accounts.ts';

const GRANT_PARAMETERS = ['subscription_id', 'unit_id', 'amount', 'expires_at', 'metadata', 'customer_id'] as const;
/** Grants read per query, and per request before a page is returned short (with a next_offset to go on from). */
const BATCH = 100;
const SCAN_BUDGET = 2000;

/**
 * Credit into a subscription's provisioned balance, both ways Chargebee offers:
 * `POST /promotional_grants` (a promotional grant) and
 * `POST /ledger_operations/allocate` (a paid allocation, shown as a top-up).
 * Each is one Creditbook grant, effective now, expiring at `expires_at`.
 */
export function registerGrantRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/api/v2/promotional_grants', async (request, reply) => {
    const outcome = await grantToSubscription(app, request, 'promotional_grants', 'promotional', (grant, now, booked) => {
      const report = bookedReport(booked, grant.id, { metadata: grant.metadata }, now);
      return { status: 200, body: { ledger_operations: [report.ledger_operation], grant_blocks: [grantBlockView(grant, grant, now)] } };
    });
    return sendOutcome(reply, outcome);
  });

  server.post('/api/v2/ledger_operations/allocate', async (request, reply) => {
    const outcome = await grantToSubscription(app, request, 'allocate', 'paid', (grant, now, booked) => {
      const report = bookedReport(booked, grant.id, { metadata: grant.metadata }, now);
      return {
        status: 200,
        body: {
          ledger_account_balance: report.ledger_account_balance,
          ledger_operations: [report.ledger_operation],
          grant_blocks: [grantBlockView(grant, grant, now)],
          ledger_entries: report.ledger_entries,
        },
      };
    });
    return sendOutcome(reply, outcome);
  });

  server.get('/api/v2/grant_blocks', async (request) => {
    const context = contextOf(request);
    const query = new ChargebeeListQuery(request.query, {
      filters: {
        subscription_id: ['is'],
        unit_id: ['is'],
        account_type: ['is'],
        effective_from: ['after', 'before', 'on', 'between'],
        expires_at: ['after', 'before', 'on', 'between'],
        created_at: ['after', 'before', 'on', 'between'],
      },
      sortable: ['created_at'],
    });
    const page = await listGrantBlocks(app, context, query);
    return listBody(
      page.items.map((block) => ({ grant_block: block })),
      page.nextOffset,
    );
  });
}

async function grantToSubscription(
  app: AppDependencies,
  request: FastifyRequest,
  operation: string,
  category: GrantCategory,
  present: (grant: GrantRecord, now: Instant, booked: Booked) => Presented,
) {
  const context = contextOf(request);
  const body = new ChargebeeBody(request.body, GRANT_PARAMETERS);
  const subscriptionId = body.string('subscription_id', { required: true });
  const unitId = body.string('unit_id', { required: true });
  const namedCustomerId = body.string('customer_id', { maxLength: 100 });
  const unit = await requireCreditUnit(app, context, unitId);
  const amount = body.amount('amount', unit.scale);
  const expiresAt = body.seconds('expires_at', { required: true });
  const metadata = body.metadata();
  const idempotency = idempotencyOf(request, operation, body.raw);
  const existing = await findSubscriptionCustomer(app, context, subscriptionId, namedCustomerId);
  // First use brings the customer into being; refuse what the engine would refuse first, so bad input writes nothing.
  // (With a wallet already there, the engine checks this after the idempotency lookup, so a late retry still replays.)
  if (existing === undefined && expiresAt <= currentTime(app, context.environment)) {
    throw parameterError('expires_at', "'expires_at' must be a future timestamp.");
  }
  const customerId = existing ?? (await ensureSubscriptionCustomer(app, context, subscriptionId, namedCustomerId));
  return inChargebeeTerms(() =>
    createGrant(app, {
      context,
      input: { customerId, unit: unit.code, walletKey: walletKeyOf(subscriptionId), amount: formatAmount(amount), category, expiresAt, ...(metadata ? { metadata } : {}) },
      idempotency,
      present,
    }),
  );
}

/**
 * A subscription's grant blocks: its grants in every credit unit, voided ones
 * included (their voided_amount is part of the story), as of now. Only
 * provisioned blocks exist; the overdraft account has no blocks here (see
 * ledger_account_balances). `created_at` is filtered by the store, the other
 * time filters on the page, so a page may come back short with a next_offset.
 */
async function listGrantBlocks(app: AppDependencies, context: RequestContext, query: ChargebeeListQuery): Promise<{ items: GrantBlockView[]; nextOffset?: string }> {
  const subscriptionId = query.is('subscription_id', { required: true });
  const unit = query.is('unit_id');
  const accountTypes = query.oneOf('account_type', ['provisioned', 'overdraft']);
  const effectiveFrom = query.timeRange('effective_from');
  const expiresAt = query.timeRange('expires_at');
  const createdAt = query.timeRange('created_at');
  const { order } = query.sort('created_at');
  const limit = query.limit();
  const listName = `grant_blocks:${subscriptionId}:${unit ?? ''}:${order}`;
  const offset = query.offset();
  let startingAfter = offset === undefined ? null : decodeOffset(offset, listName, OffsetAfter).after;
  const customerId = await findSubscriptionCustomer(app, context, subscriptionId);
  if (customerId === undefined || (accountTypes && !accountTypes.has('provisioned'))) return { items: [] };
  const items: GrantBlockView[] = [];
  let scanned = 0;
  for (;;) {
    const { page, now } = await inChargebeeTerms(() =>
      listGrants(
        app,
        context,
        {
          customerId,
          walletKey: walletKeyOf(subscriptionId),
          ...(unit === undefined ? {} : { unit }),
          includeVoided: true,
          ...(createdAt ? { createdAt: Object.assign({}, createdAt.from === undefined ? {} : { gte: createdAt.from }, createdAt.until === undefined ? {} : { lt: createdAt.until }) } : {}),
        },
        { limit: BATCH, startingAfter, order },
      ),
    );
    for (const [index, grant] of page.data.entries()) {
      scanned += 1;
      startingAfter = grant.id;
      const expires = grant.expiresAt;
      const matches = inTimeRange(grant.effectiveAt, effectiveFrom) && (expiresAt === undefined || (expires !== null && inTimeRange(expires, expiresAt)));
      if (matches) items.push(grantBlockView(grant, grant, now));
      const more = index < page.data.length - 1 || page.hasMore;
      if (more && (items.length >= limit || scanned >= SCAN_BUDGET)) {
        return { items, nextOffset: encodeOffset(listName, { after: grant.id }) };
      }
    }
    if (!page.hasMore || page.data.length === 0) return { items };
  }
}

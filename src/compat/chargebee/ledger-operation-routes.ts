import type { FastifyInstance } from 'fastify';
import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { callerIdsOf, resolveOperationReference } from '../../app/caller-operation-ids.ts';
import { createDebit } from '../../app/debits.ts';
import { createHold, endHold } from '../../app/holds.ts';
import { formatAmount } from '../../domain/amount.ts';
import { contextOf } from '../../edge/request-context.ts';
import { bookedReport } from './booked-report.ts';
import { callerOperationOf, namesOf } from './caller-operation-id.ts';
import { inChargebeeTerms } from './chargebee-errors.ts';
import { ChargebeeListQuery } from './chargebee-list-query.ts';
import { ChargebeeBody, MAX_ID_LENGTH } from './chargebee-params.ts';
import { ledgerOperationView } from './chargebee-presenters.ts';
import type { LedgerOperationFacts } from './ledger-operations.ts';
import { idempotencyOf, listBody, sendOutcome } from './chargebee-route-support.ts';
import { OPERATION_TYPES, releaseOperationId } from './ledger-operations.ts';
import { listOperations, retrieveOperation, sourceOf } from './operation-walk.ts';
import { requireCreditUnit, requireSubscriptionCustomer, walletKeyOf } from './subscription-accounts.ts';

/** Chargebee validates amounts against the credit unit; a hold's unit is checked again by the use case. */
const MOST_PRECISE_SCALE = 10;

/**
 * Consumption: capture (a debit; after provisioned credit runs out it draws on
 * the overdraft account, up to the wallet's overdraft limit), and the
 * two-step authorize (a hold), then capture_authorization (capture all or part;
 * the rest is released) or release_authorization. Plus retrieve and list.
 */
export function registerLedgerOperationRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/api/v2/ledger_operations/capture', async (request, reply) => {
    const context = contextOf(request);
    const body = new ChargebeeBody(request.body, ['id', 'subscription_id', 'unit_id', 'amount', 'ledger_operation_timestamp', 'metadata', 'customer_id']);
    const callerOperation = callerOperationOf(body, 'capture');
    const account = await subscriptionAccount(app, context, body);
    const occurredAt = body.seconds('ledger_operation_timestamp', { required: true });
    const metadata = body.metadata();
    const idempotency = idempotencyOf(request, 'capture', body.raw);
    const outcome = await inChargebeeTerms(() =>
      createDebit(app, {
        context,
        input: Object.assign({}, account.wallet, { amount: formatAmount(account.amount), onInsufficient: 'overdraft' as const, occurredAt }, metadata ? { metadata } : {}),
        idempotency,
        callerOperation,
        present: (debit, booked) => {
          const names = namesOf([[debit.id, callerOperation?.id]]);
          const report = bookedReport(booked, debit.id, { metadata: debit.metadata, occurredAt: debit.occurredAt }, debit.createdAt, names);
          return { status: 200, body: operationResponse(report) };
        },
      }),
    );
    return sendOutcome(reply, outcome);
  });

  server.post('/api/v2/ledger_operations/authorize', async (request, reply) => {
    const context = contextOf(request);
    const body = new ChargebeeBody(request.body, [
      'id',
      'subscription_id',
      'unit_id',
      'amount',
      'ledger_operation_timestamp',
      'auto_release_timestamp',
      'metadata',
      'customer_id',
    ]);
    const callerOperation = callerOperationOf(body, 'authorize');
    const account = await subscriptionAccount(app, context, body);
    body.seconds('ledger_operation_timestamp', { required: true });
    const autoReleaseAt = body.seconds('auto_release_timestamp');
    const metadata = body.metadata();
    const idempotency = idempotencyOf(request, 'authorize', body.raw);
    const outcome = await inChargebeeTerms(
      () =>
        createHold(app, {
          context,
          input: Object.assign({}, account.wallet, { amount: formatAmount(account.amount) }, autoReleaseAt === undefined ? {} : { expiresAt: autoReleaseAt }, metadata ? { metadata } : {}),
          idempotency,
          callerOperation,
          present: (hold, _debit, now, booked) => {
            const names = namesOf([[hold.id, callerOperation?.id]]);
            const report = bookedReport(booked, hold.id, { metadata: hold.metadata, autoReleaseAt: hold.expiresAt }, now, names);
            return { status: 200, body: operationResponse(report) };
          },
        }),
      { expiresAt: 'auto_release_timestamp', ttlSeconds: 'auto_release_timestamp' },
    );
    return sendOutcome(reply, outcome);
  });

  server.post('/api/v2/ledger_operations/capture_authorization', async (request, reply) => {
    const context = contextOf(request);
    const body = new ChargebeeBody(request.body, ['authorization_id', 'id', 'amount', 'ledger_operation_timestamp', 'metadata']);
    const callerOperation = callerOperationOf(body, 'capture_authorization');
    const authorization = body.string('authorization_id', { required: true });
    const amount = body.amount('amount', MOST_PRECISE_SCALE);
    body.seconds('ledger_operation_timestamp', { required: true });
    const metadata = body.metadata();
    const idempotency = idempotencyOf(request, 'capture_authorization', body.raw);
    const outcome = await inChargebeeTerms(
      async () => {
        const hold = await resolveOperationReference(app, context, authorization, 'authorization_id');
        return endHold(app, {
          context,
          holdId: hold.operationId,
          action: { kind: 'capture', amount: formatAmount(amount), metadata },
          idempotency,
          callerOperation,
          present: (_hold, debit, now, booked) => {
            const names = namesOf([
              [debit!.id, callerOperation?.id],
              [hold.operationId, hold.callerId],
            ]);
            const report = bookedReport(booked, debit!.id, { metadata: debit!.metadata, occurredAt: debit!.occurredAt }, now, names);
            return { status: 200, body: operationResponse(report) };
          },
        });
      },
      { id: 'authorization_id' },
    );
    return sendOutcome(reply, outcome);
  });

  server.post('/api/v2/ledger_operations/release_authorization', async (request, reply) => {
    const context = contextOf(request);
    const body = new ChargebeeBody(request.body, ['authorization_id', 'id', 'ledger_operation_timestamp', 'metadata']);
    const callerOperation = callerOperationOf(body, 'release_authorization');
    const authorization = body.string('authorization_id', { required: true });
    body.seconds('ledger_operation_timestamp', { required: true });
    // Accepted for compatibility; a release has nothing in Creditbook to carry it.
    body.metadata();
    const idempotency = idempotencyOf(request, 'release_authorization', body.raw);
    const outcome = await inChargebeeTerms(
      async () => {
        const hold = await resolveOperationReference(app, context, authorization, 'authorization_id');
        return endHold(app, {
          context,
          holdId: hold.operationId,
          action: { kind: 'release' },
          idempotency,
          callerOperation,
          present: (ended, _debit, now, booked) => {
            const operationId = releaseOperationId(ended.id);
            const names = namesOf([
              [operationId, callerOperation?.id],
              [ended.id, hold.callerId],
            ]);
            return { status: 200, body: operationResponse(bookedReport(booked, operationId, {}, now, names)) };
          },
        });
      },
      { id: 'authorization_id' },
    );
    return sendOutcome(reply, outcome);
  });

  server.get<{ Params: { id: string } }>('/api/v2/ledger_operations/:id', async (request) => {
    const context = contextOf(request);
    const { operationId } = await inChargebeeTerms(() => resolveOperationReference(app, context, request.params.id, 'ledger_operation_id'));
    const { operation, source } = await retrieveOperation(app, context, operationId);
    return { ledger_operation: ledgerOperationView(operation, source, await namesOfOperations(app, context, [operation])) };
  });

  server.get('/api/v2/ledger_operations', async (request) => {
    const context = contextOf(request);
    const query = new ChargebeeListQuery(request.query, {
      filters: { subscription_id: ['is'], unit_id: ['is'], created_at: ['after', 'before', 'on', 'between'], type: ['is', 'in'] },
      sortable: ['created_at'],
    });
    const subscriptionId = query.is('subscription_id', { required: true });
    const unit = query.is('unit_id');
    const types = query.oneOf('type', OPERATION_TYPES);
    const createdAt = query.timeRange('created_at');
    const offset = query.offset();
    const page = await listOperations(app, context, {
      subscriptionId,
      order: query.sort('created_at').order,
      limit: query.limit(),
      ...(unit === undefined ? {} : { unit }),
      ...(types === undefined ? {} : { types }),
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(offset === undefined ? {} : { offset }),
    });
    const names = await namesOfOperations(app, context, page.items);
    const items = await Promise.all(page.items.map(async (operation) => ({ ledger_operation: ledgerOperationView(operation, await sourceOf(app, context, operation), names) })));
    return listBody(items, page.nextOffset);
  });
}

function operationResponse(report: ReturnType<typeof bookedReport>) {
  return {
    ledger_operation: report.ledger_operation,
    ledger_account_balance: report.ledger_account_balance,
    grant_blocks: report.grant_blocks,
    ledger_entries: report.ledger_entries,
  };
}

/** The caller's ids of these operations and of their parents, where they have one. */
function namesOfOperations(app: AppDependencies, context: RequestContext, operations: readonly LedgerOperationFacts[]): Promise<Map<string, string>> {
  return callerIdsOf(
    app,
    context,
    operations.flatMap((operation) => (operation.parentId === null ? [operation.id] : [operation.id, operation.parentId])),
  );
}

/** The wallet a subscription-addressed operation consumes from, and its amount; the subscription must already have credit. */
async function subscriptionAccount(app: AppDependencies, context: RequestContext, body: ChargebeeBody) {
  const subscriptionId = body.string('subscription_id', { required: true, maxLength: MAX_ID_LENGTH });
  const unitId = body.string('unit_id', { required: true });
  const namedCustomerId = body.string('customer_id', { maxLength: 100 });
  const unit = await requireCreditUnit(app, context, unitId);
  const amount = body.amount('amount', unit.scale);
  const customerId = await requireSubscriptionCustomer(app, context, subscriptionId, namedCustomerId);
  return { wallet: { customerId, unit: unit.code, walletKey: walletKeyOf(subscriptionId) }, amount };
}


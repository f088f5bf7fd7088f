import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app/dependencies.ts';
import { changeGrant, createGrant, getGrant, listGrants } from '../../app/grants.ts';
import { withEarlierFingerprints, type IdempotencyRequest } from '../../app/idempotency.ts';
import { parseAmount } from '../../domain/amount.ts';
import { notFound, validationError } from '../../domain/errors.ts';
import { grantStatus } from '../../domain/grant-status.ts';
import type { Instant } from '../../domain/types.ts';
import { contextOf } from '../../edge/request-context.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import type { GrantRecord } from '../../store/records.ts';
import { stiggFailure } from './stigg-errors.ts';
import { DEFAULT_PAGE_LIMIT, refuseBackwardPaging, withoutEmptyObjects } from './stigg-route-support.ts';
import { CreateGrantBody, GrantIdParams, ListGrantsQuery, NoQuery } from './stigg-schemas.ts';
import { checkRequest } from '../check-request.ts';
import { COMMENT_METADATA, stiggGrantView, stiggPageView } from './stigg-views.ts';
import { findCurrency, isStiggWallet, requireListScope, walletKeyOf } from './stigg-wallets.ts';
import { sendOutcome } from '../../edge/outcome.ts';
import { idempotencyKeyHeader, idempotencyRequest, MAX_IDEMPOTENCY_KEY_LENGTH } from '../../edge/idempotency-key.ts';

/**
 * Stigg's client sends no idempotency key for grants; an `Idempotency-Key` header, when a caller adds one, makes the create replayable.
 * `{}` metadata asks for what no metadata asks for, so the fingerprint leaves empty objects out; a key stored before
 * it did (kept forever, fingerprinted over the body as sent) still answers the same body (`withEarlierFingerprints`).
 */
function optionalIdempotency(request: FastifyRequest, operation: string, body: Record<string, unknown>): IdempotencyRequest | undefined {
  const key = idempotencyKeyHeader(request, { invalid: () => validationError('Idempotency-Key', `An idempotency key has 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`) });
  return key === undefined ? undefined : withEarlierFingerprints(idempotencyRequest(key, operation, withoutEmptyObjects(body)), operation, body);
}

/** Stigg refuses to void a grant twice (CreditGrantAlreadyVoided) and to void one that has expired. */
function assertVoidable(grant: GrantRecord, now: Instant): void {
  const status = grantStatus(grant, now);
  if (status === 'voided') throw stiggFailure('state_conflict', `Credit grant '${grant.id}' is already voided.`, { param: 'id', reason: 'already_voided' });
  if (status === 'expired') throw stiggFailure('state_conflict', `Credit grant '${grant.id}' has expired and cannot be voided.`, { param: 'id', reason: 'cannot_be_voided' });
}

export function registerStiggGrantRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/api/v1/credits/grants', async (request, reply) => {
    checkRequest(NoQuery, request.query, 'query');
    const body = checkRequest(CreateGrantBody, request.body ?? {}, 'body');
    const context = contextOf(request);
    if (body.paymentCollectionMethod === 'CHARGE' || body.paymentCollectionMethod === 'INVOICE') {
      throw stiggFailure('validation_error', 'Collecting payment needs a billing integration, which this server does not have; send paymentCollectionMethod NONE or leave it out.', {
        param: 'paymentCollectionMethod',
        reason: 'billing_integration_missing',
      });
    }
    // Stigg answers a bad amount before an unknown currency (the seed's example has both); the unit's decimal places are createGrant's.
    parseAmount(body.amount);
    // Creating a grant documents no 404: an unknown currency is bad input here, in Stigg's words.
    await findCurrency(app, context, body.currencyId, { unknown: 'bad_input' });
    // The customer comes into being with its first grant, in the grant's transaction: a refused grant leaves none behind.
    const outcome = await createGrant(app, {
      context,
      input: {
        customerId: body.customerId,
        unit: body.currencyId,
        walletKey: walletKeyOf(body.resourceId),
        amount: body.amount,
        category: body.grantType === 'PAID' ? 'paid' : 'promotional',
        priority: body.priority,
        effectiveAt: parseOptionalTimestamp(body.effectiveAt, 'effectiveAt') ?? undefined,
        expiresAt: parseOptionalTimestamp(body.expireAt, 'expireAt') ?? null,
        name: body.displayName,
        metadata: Object.assign({}, body.metadata, body.comment !== undefined ? { [COMMENT_METADATA]: body.comment } : {}),
        cost: body.cost ? { amount: body.cost.amount, currency: body.cost.currency } : null,
      },
      idempotency: optionalIdempotency(request, 'stigg.grants.create', body),
      missingCustomer: 'create',
      present: (grant, at) => ({ status: 201, body: { data: stiggGrantView(grant, at) } }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get('/api/v1/credits/grants', async (request) => {
    const query = checkRequest(ListGrantsQuery, request.query, 'query');
    refuseBackwardPaging(query.before);
    const context = contextOf(request);
    await requireListScope(app, context, query);
    const createdAt: Record<string, number> = {};
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = parseOptionalTimestamp(query[`createdAt[${bound}]`], `createdAt[${bound}]`);
      if (value != null) createdAt[bound] = value;
    }
    const { page, now } = await listGrants(
      app,
      context,
      {
        customerId: query.customerId,
        ...(query.currencyId !== undefined ? { unit: query.currencyId } : {}),
        walletKey: walletKeyOf(query.resourceId),
        includeVoided: true,
        createdAt,
      },
      { limit: query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(query.limit), startingAfter: query.after ?? null },
    );
    const data = page.data.map((grant) => stiggGrantView(grant, now));
    return stiggPageView(data, page.hasMore ? data[data.length - 1]!.id : null);
  });

  server.post('/api/v1/credits/grants/:id/void', async (request, reply) => {
    const { id } = checkRequest(GrantIdParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    checkRequest(NoQuery, request.body ?? {}, 'body');
    const context = contextOf(request);
    const { grant, now } = await getGrant(app, context, id);
    if (!isStiggWallet(grant.walletKey)) throw notFound('credit grant', id, 'id');
    assertVoidable(grant, now);
    const outcome = await changeGrant(app, {
      context,
      grantId: id,
      action: { kind: 'void' },
      present: (voided, at) => {
        // Another request voided it between the check above and this transaction: same answer as the check.
        if (voided.voidedAt !== null && voided.voidedAt < at) assertVoidable(voided, at);
        return { status: 200, body: { data: stiggGrantView(voided, at) } };
      },
    });
    return sendOutcome(reply, outcome);
  });
}

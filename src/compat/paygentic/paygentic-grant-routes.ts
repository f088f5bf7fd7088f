import type { FastifyInstance } from 'fastify';
import { currentTime, type AppDependencies, type RequestContext } from '../../app/dependencies.ts';
import { changeGrant, createGrant, getGrant } from '../../app/grants.ts';
import { createPurchase } from '../../app/purchases.ts';
import { CreditbookError, notFound } from '../../domain/errors.ts';
import { contextOf } from '../../edge/request-context.ts';
import { parseOptionalTimestamp } from '../../edge/time.ts';
import type { GrantRecord, WalletRecord } from '../../store/records.ts';
import { currentPeriodStart, findEntitlement } from './paygentic-entitlements.ts';
import { CreateGrantBody, EntitlementParams, GrantParams, ListGrantsQuery, NoQuery, PurchaseGrantBody } from './paygentic-schemas.ts';
import { checkRequest } from '../check-request.ts';
import { grantListView, grantView, IDEMPOTENCY_KEY_METADATA, purchaseView } from './paygentic-views.ts';
import { listAllWalletGrants } from '../../app/accounts.ts';
import { idempotencyRequest } from '../../edge/idempotency-key.ts';
import { withEarlierFingerprints, type IdempotencyRequest } from '../../app/idempotency.ts';
import { sendOutcome } from '../../edge/outcome.ts';

const DEFAULT_LIMIT = 20;

/** Where a purchase's idempotency key is kept, apart from direct grants' keys (both are scoped to the entitlement's wallet). */
const PURCHASE_KEY_PREFIX = 'purchase:';

/**
 * Paygentic's grant requests carry no recurrence: a recurring grant is made
 * through the native API (and shows its `recurrencePeriod` here). A non-null
 * value is refused, never silently dropped.
 */
function refuseRecurrence(body: { recurrencePeriod?: string | null }): void {
  if (body.recurrencePeriod !== undefined && body.recurrencePeriod !== null) {
    throw new CreditbookError(
      'not_supported',
      "'recurrencePeriod' cannot be set through Paygentic's grants API; make a recurring grant with POST /v1/grants, or send null.",
      { param: 'recurrencePeriod' },
    );
  }
}

/**
 * A purchase's grant exists for Paygentic only once it is paid: until then (and
 * if the payment never comes) it is pending payment in Creditbook, and hidden here.
 */
function isPaygenticGrant(grant: GrantRecord): boolean {
  return !grant.paymentPending;
}

/**
 * A grant of this entitlement, or 404 naming `grantId`, the path's parameter: a grant
 * that does not exist (here or in another environment), one of another wallet and an
 * unpaid purchase all answer the same.
 */
async function grantOfEntitlement(app: AppDependencies, context: RequestContext, wallet: WalletRecord, grantId: string): Promise<GrantRecord> {
  const grant = await getGrant(app, context, grantId).then(
    (found) => found.grant,
    (error: unknown) => {
      if (error instanceof CreditbookError && error.code === 'not_found') return undefined;
      throw error;
    },
  );
  if (!grant || grant.walletId !== wallet.id || !isPaygenticGrant(grant)) throw notFound('grant', grantId, 'grantId');
  return grant;
}

/**
 * The parameters without their nulls, for an idempotency fingerprint: an explicit
 * null (`expiresAt`, `recurrencePeriod`, the rollover caps) asks for what leaving the
 * field out asks for, so a retry that adds or drops one is the same request.
 */
function withoutNulls<Parameters extends Record<string, unknown>>(parameters: Parameters): Parameters {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== null)) as Parameters;
}

/**
 * A create's or a purchase's idempotency: fingerprinted without the nulls, also accepting the
 * fingerprint of the parameters as sent, nulls included, which is how keys stored before nulls
 * were left out were fingerprinted (kept forever): a retry of such a request replays, never a 409.
 */
function grantIdempotency(key: string, operation: string, parameters: Record<string, unknown>): IdempotencyRequest {
  return withEarlierFingerprints(idempotencyRequest(key, operation, withoutNulls(parameters)), operation, parameters);
}

/**
 * Purchase keys are kept as `purchase:<key>`, apart from direct grants' keys in the
 * same wallet; a conflict names the key the client sent, never the derived one.
 */
function purchaseKey(idempotencyKey: string): string {
  return `${PURCHASE_KEY_PREFIX}${idempotencyKey}`;
}

function grantTimes(app: AppDependencies, context: RequestContext, wallet: WalletRecord, body: { effectiveAt?: string; expiresAt?: string | null }) {
  return {
    // "Defaults to the entitlement's current period start."
    effectiveAt: parseOptionalTimestamp(body.effectiveAt, 'effectiveAt') ?? currentPeriodStart(wallet, currentTime(app, context.environment)),
    expiresAt: parseOptionalTimestamp(body.expiresAt, 'expiresAt') ?? null,
  };
}

export function registerPaygenticGrantRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/v1/entitlements/:entitlementId/grants', async (request, reply) => {
    const { entitlementId } = checkRequest(EntitlementParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    const body = checkRequest(CreateGrantBody, request.body ?? {}, 'body');
    refuseRecurrence(body);
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    const { idempotencyKey, ...parameters } = body;
    const outcome = await createGrant(app, {
      context,
      input: {
        customerId: wallet.customerId,
        unit: wallet.unit,
        walletKey: wallet.walletKey,
        amount: body.amount,
        // Direct grants are Paygentic's promos, comps and support credits; purchases are paid.
        category: 'promotional',
        ...grantTimes(app, context, wallet, body),
        // Caps and floors on what carries over each usage-period reset (the engine's rollover).
        resetMaxRollover: body.resetMaxRollover ?? null,
        resetMinRollover: body.resetMinRollover ?? null,
        metadata: { [IDEMPOTENCY_KEY_METADATA]: idempotencyKey },
      },
      // Scoped to the entitlement's wallet and kept forever (createGrant's grant-key rule).
      idempotency: grantIdempotency(idempotencyKey, 'paygentic.grants.create', { entitlementId, ...parameters }),
      present: (grant) => ({ status: 201, body: grantView(grant) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get('/v1/entitlements/:entitlementId/grants', async (request) => {
    const { entitlementId } = checkRequest(EntitlementParams, request.params, 'params');
    const query = checkRequest(ListGrantsQuery, request.query, 'query');
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    const offset = query.offset === undefined ? 0 : Number(query.offset);
    const includeVoided = query.includeVoided === 'true';
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    // Offset pages with a total: an entitlement's grants are read whole (top-ups, not usage), newest first.
    const all = await listAllWalletGrants(app, wallet);
    const matching = all.filter((grant) => isPaygenticGrant(grant) && (includeVoided || grant.voidedAt === null)).reverse();
    const page = matching.slice(offset, offset + limit).map((grant) => grantView(grant));
    return grantListView(page, { total: matching.length, limit, offset });
  });

  server.get('/v1/entitlements/:entitlementId/grants/:grantId', async (request) => {
    const { entitlementId, grantId } = checkRequest(GrantParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    return grantView(await grantOfEntitlement(app, context, wallet, grantId));
  });

  /** Void. Voiding a voided grant returns it unchanged (the engine's rule), so DELETE is idempotent. */
  server.delete('/v1/entitlements/:entitlementId/grants/:grantId', async (request, reply) => {
    const { entitlementId, grantId } = checkRequest(GrantParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    await grantOfEntitlement(app, context, wallet, grantId);
    const outcome = await changeGrant(app, {
      context,
      grantId,
      action: { kind: 'void' },
      present: (grant) => ({ status: 200, body: grantView(grant) }),
    });
    return sendOutcome(reply, outcome);
  });

  /**
   * A purchase: an invoice with a payment session in the server's default
   * currency (Creditbook's purchase flow). The grant is made when the session is
   * paid; if it expires unpaid, no grant ever shows here. The idempotency key is
   * scoped to the entitlement, apart from direct grants' keys.
   */
  server.post('/v1/entitlements/:entitlementId/grants/purchase', async (request, reply) => {
    const { entitlementId } = checkRequest(EntitlementParams, request.params, 'params');
    checkRequest(NoQuery, request.query, 'query');
    const body = checkRequest(PurchaseGrantBody, request.body ?? {}, 'body');
    for (const param of ['resetMaxRollover', 'resetMinRollover'] as const) {
      if (body[param] !== undefined && body[param] !== null) {
        throw new CreditbookError('not_supported', `'${param}' is not supported on purchases yet; send null or leave it out.`, { param });
      }
    }
    const context = contextOf(request);
    const wallet = await findEntitlement(app, context, entitlementId);
    const { idempotencyKey, ...parameters } = body;
    const outcome = await createPurchase(app, {
      context,
      input: {
        customerId: wallet.customerId,
        unit: wallet.unit,
        walletKey: wallet.walletKey,
        amount: body.amount,
        price: body.price,
        ...grantTimes(app, context, wallet, body),
        successUrl: body.successUrl ?? null,
        cancelUrl: body.cancelUrl ?? null,
        paymentExpiresAt: parseOptionalTimestamp(body.paymentExpiresAt, 'paymentExpiresAt') ?? undefined,
        metadata: { [IDEMPOTENCY_KEY_METADATA]: idempotencyKey },
      },
      idempotency: Object.assign(grantIdempotency(purchaseKey(idempotencyKey), 'paygentic.grants.purchase', { entitlementId, ...parameters }), { shownKey: idempotencyKey }),
      present: ({ purchase, invoice }) => ({ status: 201, body: purchaseView({ purchase, invoice, entitlementId }) }),
    });
    return sendOutcome(reply, outcome);
  });
}

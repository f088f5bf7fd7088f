import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app/dependencies.ts';
import { changeGrant, createGrant, getGrant, listGrants } from '../../app/grants.ts';
import { formatAmount } from '../../domain/amount.ts';
import type { GrantRecord, Metadata } from '../../store/records.ts';
import { amountFromMinorUnits } from './currencies.ts';
import { stripeQuery } from './form-encoding.ts';
import { collectPage, readListParams } from './list-pages.ts';
import { noSuch, stripeParameterError } from './stripe-errors.ts';
import { fromStripeGrantId } from './stripe-ids.ts';
import { StripeParams } from './stripe-params.ts';
import { creditGrantObject, listObject } from './stripe-presenters.ts';
import { callerOf, idempotencyOf, orNoSuch, type StripeCaller } from './stripe-request.ts';
import { ensureCurrencyUnit, requireCurrency, requireCustomer, stripeScaleOf } from './stripe-wallets.ts';
import { sendOutcome } from '../../edge/outcome.ts';

const MAX_PRICES = 20;
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** `POST|GET /v1/billing/credit_grants[/{id}[/expire|/void]]` onto app/grants.ts. */
export function registerCreditGrantRoutes(server: FastifyInstance, app: AppDependencies): void {
  /** A grant Stripe can see, with its currency's scale; a 404 "No such credit grant" for anything else. */
  const visibleGrant = async (caller: StripeCaller, stripeId: string): Promise<{ grant: GrantRecord; scale: number }> => {
    const missing = () => noSuch('credit grant', stripeId);
    const grantId = fromStripeGrantId(stripeId);
    if (grantId === undefined) throw missing();
    const { grant } = await orNoSuch(() => getGrant(app, caller.context, grantId), missing);
    const scale = await stripeScaleOf(app, caller.context, grant);
    if (scale === undefined) throw missing();
    return { grant, scale };
  };

  server.post('/v1/billing/credit_grants', async (request, reply) => {
    const caller = callerOf(request);
    const input = readCreateParams(StripeParams.of(request.body));
    const idempotency = idempotencyOf(request, 'credit_grants.create');
    const customer = await requireCustomer(app, caller.context, input.customer, 'customer');
    await ensureCurrencyUnit(app, caller.context, input.currency, 'amount[monetary][currency]');
    const outcome = await createGrant(app, {
      context: caller.context,
      input: {
        customerId: customer.id,
        unit: input.currency,
        amount: formatAmount(amountFromMinorUnits(input.value, input.scale)),
        category: input.category,
        priority: input.priority,
        effectiveAt: input.effectiveAt,
        expiresAt: input.expiresAt,
        name: input.name,
        metadata: input.metadata,
        appliesTo: input.appliesTo,
      },
      idempotency,
      present: (grant) => ({ status: 200, body: creditGrantObject(grant, input.scale, caller.livemode) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get('/v1/billing/credit_grants/:id', async (request: IdRequest) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['expand']);
    params.finish();
    const { grant, scale } = await visibleGrant(caller, request.params.id);
    return creditGrantObject(grant, scale, caller.livemode);
  });

  server.get('/v1/billing/credit_grants', async (request) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['customer_account']);
    const stripeCustomer = params.string('customer');
    const list = readListParams(params, { what: 'credit grant', fromStripeId: fromStripeGrantId });
    params.finish();
    const customerId = stripeCustomer === undefined ? undefined : (await requireCustomer(app, caller.context, stripeCustomer, 'customer')).id;
    const page = await collectPage(list, {
      fetch: async (pageRequest) =>
        (await listGrants(app, caller.context, Object.assign({}, customerId !== undefined ? { customerId } : {}, { walletKey: '', includeVoided: true }), pageRequest)).page,
      idOf: (grant) => grant.id,
      keep: async (grant) => {
        const scale = await stripeScaleOf(app, caller.context, grant);
        return scale === undefined ? undefined : creditGrantObject(grant, scale, caller.livemode);
      },
    });
    return listObject(page, '/v1/billing/credit_grants');
  });

  server.post('/v1/billing/credit_grants/:id', async (request: IdRequest, reply) => {
    const caller = callerOf(request);
    const params = StripeParams.of(request.body);
    params.unsupported(['expand']);
    const expiresAt = params.timestamp('expires_at', { emptyMeansNull: true });
    const metadata = params.metadata('metadata');
    params.finish();
    const idempotency = idempotencyOf(request, 'credit_grants.update');
    const { grant, scale } = await visibleGrant(caller, request.params.id);
    const changes: { expiresAt?: number | null; metadata?: Metadata } = {};
    if (expiresAt !== undefined) changes.expiresAt = expiresAt;
    if (metadata === 'unset-all') changes.metadata = Object.fromEntries(Object.keys(grant.metadata).map((key) => [key, '']));
    else if (metadata !== undefined) changes.metadata = metadata;
    const outcome = await changeGrant(app, {
      context: caller.context,
      grantId: grant.id,
      action: { kind: 'update', changes },
      idempotency,
      present: (changed) => ({ status: 200, body: creditGrantObject(changed, scale, caller.livemode) }),
    });
    return sendOutcome(reply, outcome);
  });

  for (const kind of ['expire', 'void'] as const) {
    server.post(`/v1/billing/credit_grants/:id/${kind}`, async (request: IdRequest, reply) => {
      const caller = callerOf(request);
      const params = StripeParams.of(request.body);
      params.unsupported(['expand']);
      params.finish();
      const idempotency = idempotencyOf(request, `credit_grants.${kind}`);
      const { grant, scale } = await visibleGrant(caller, request.params.id);
      const outcome = await changeGrant(app, {
        context: caller.context,
        grantId: grant.id,
        action: { kind },
        idempotency,
        present: (changed) => ({ status: 200, body: creditGrantObject(changed, scale, caller.livemode) }),
      });
      return sendOutcome(reply, outcome);
    });
  }
}

interface CreateParams {
  customer: string;
  currency: string;
  scale: number;
  value: bigint;
  category: 'paid' | 'promotional';
  priority: number | undefined;
  effectiveAt: number | undefined;
  expiresAt: number | undefined;
  name: string | undefined;
  metadata: Metadata;
  appliesTo: string[];
}

/** Every create parameter is read and checked before anything is written. */
function readCreateParams(params: StripeParams): CreateParams {
  params.unsupported(['customer_account', 'expand']);
  const customer = params.string('customer', { required: true })!;
  const amount = params.object('amount', { required: true })!;
  amount.enumOf('type', ['monetary'], { required: true });
  const money = amount.object('monetary', { required: true })!;
  const currency = money.string('currency', { required: true })!.toLowerCase();
  const scale = requireCurrency(currency, money.nameOf('currency'));
  const value = money.minorUnits('value');
  const scope = params.object('applicability_config', { required: true })!.object('scope', { required: true })!;
  const priceType = scope.enumOf('price_type', ['metered']);
  const prices = scope.objectList('prices')?.map((price) => price.string('id', { required: true, maxLength: 100 })!);
  if (priceType !== undefined && prices !== undefined) {
    throw stripeParameterError(scope.nameOf('prices'), `You may only specify one of these parameters: ${scope.nameOf('price_type')}, ${scope.nameOf('prices')}.`, 'parameters_exclusive');
  }
  if (priceType === undefined && (prices === undefined || prices.length === 0)) {
    throw stripeParameterError(scope.nameOf('price_type'), `Missing required param: ${scope.nameOf('price_type')}.`, 'parameter_missing');
  }
  if (prices !== undefined && prices.length > MAX_PRICES) throw stripeParameterError(scope.nameOf('prices'), `At most ${MAX_PRICES} prices.`);
  // Required by Stripe: a create without it gets Stripe's parameter_missing, never a default.
  const category = params.enumOf('category', ['paid', 'promotional'], { required: true })!;
  const effectiveAt = params.timestamp('effective_at') ?? undefined;
  const expiresAt = params.timestamp('expires_at') ?? undefined;
  if (effectiveAt !== undefined && expiresAt !== undefined && expiresAt <= effectiveAt) {
    throw stripeParameterError('expires_at', 'expires_at must be later than effective_at.');
  }
  const name = params.string('name', { maxLength: 100 });
  const priority = params.integer('priority', { min: 0, max: 100 });
  const metadata = params.metadata('metadata');
  params.finish();
  return {
    customer,
    currency,
    scale,
    value,
    category,
    priority,
    effectiveAt,
    expiresAt,
    name,
    // On create an empty value sets nothing, as at Stripe.
    metadata: metadata === undefined || metadata === 'unset-all' ? {} : Object.fromEntries(Object.entries(metadata).filter(([, item]) => item !== '')),
    appliesTo: prices ?? [],
  };
}

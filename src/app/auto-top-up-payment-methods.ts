import { notFound, validationError } from '../domain/errors.ts';
import type { PaymentProviderName } from '../payments/payment-provider.ts';
import type { TestCardBehaviour } from '../payments/test-provider.ts';
import type { PaymentMethodRecord } from '../store/payment-records.ts';
import type { Page, PageRequest } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import type { IdempotencyRequest, Outcome, Presented } from './idempotency.ts';
import { idempotentWrite } from './idempotent-write.ts';

export interface CreatePaymentMethodInput {
  customerId: string;
  /** Default: the environment's provider (`test` in test environments). */
  provider?: PaymentProviderName | undefined;
  /** Test provider: what the simulated saved card does when charged. */
  testCard?: TestCardBehaviour | undefined;
  /** Stripe provider: a PaymentMethod attached to a Stripe Customer, set up for off-session use. */
  stripePaymentMethod?: string | undefined;
  stripeCustomer?: string | undefined;
}

/**
 * Saves a customer's payment method for auto top-up. Creditbook never sees card
 * numbers: with Stripe it keeps the IDs of a PaymentMethod the customer saved at
 * Stripe; the test provider simulates a card that succeeds or declines.
 */
export async function createPaymentMethod(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: CreatePaymentMethodInput; idempotency?: IdempotencyRequest | undefined; present: (method: PaymentMethodRecord) => Presented },
): Promise<Outcome> {
  const { context, input } = request;
  const provider = dependencies.payments.providerFor(context.environment, input.provider).name;
  let reference: string;
  let providerCustomer: string | null = null;
  let description: string;
  if (provider === 'test') {
    if (input.testCard === undefined) throw validationError('testCard', "A test payment method needs 'testCard': succeeds or declines.");
    if (input.stripePaymentMethod !== undefined || input.stripeCustomer !== undefined) throw validationError('stripePaymentMethod', 'Stripe IDs belong to a stripe payment method.');
    reference = input.testCard;
    description = input.testCard === 'succeeds' ? 'Test card (succeeds)' : 'Test card (declines)';
  } else {
    if (input.stripePaymentMethod === undefined) throw validationError('stripePaymentMethod', "A stripe payment method needs 'stripePaymentMethod' (pm_…).");
    if (input.stripeCustomer === undefined) throw validationError('stripeCustomer', "A stripe payment method needs 'stripeCustomer' (cus_…), the Stripe customer it is attached to.");
    if (input.testCard !== undefined) throw validationError('testCard', 'testCard belongs to a test payment method.');
    reference = input.stripePaymentMethod;
    providerCustomer = input.stripeCustomer;
    description = 'Stripe payment method';
  }
  return idempotentWrite(dependencies, request, async (repository) => {
    const customer = await repository.accounts.getCustomer(context.environment.id, input.customerId);
    if (!customer) throw notFound('customer', input.customerId, 'customerId');
    const method: PaymentMethodRecord = {
      id: dependencies.newId('pm'),
      environmentId: context.environment.id,
      customerId: input.customerId,
      provider,
      reference,
      providerCustomer,
      description,
      createdAt: currentTime(dependencies, context.environment),
    };
    await repository.paymentMethods.insert(sealPaymentMethod(dependencies, method));
    return request.present(method);
  });
}

export async function getPaymentMethod(dependencies: AppDependencies, context: RequestContext, id: string): Promise<PaymentMethodRecord> {
  const method = await dependencies.store.read((repository) => repository.paymentMethods.get(context.environment.id, id));
  if (!method) throw notFound('payment method', id, 'id');
  return openPaymentMethod(dependencies, method);
}

export async function listPaymentMethods(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string },
  page: PageRequest,
): Promise<Page<PaymentMethodRecord>> {
  const found = await dependencies.store.read((repository) => repository.paymentMethods.list(context.environment.id, filters, page));
  return { ...found, data: found.data.map((method) => openPaymentMethod(dependencies, method)) };
}

/**
 * A payment provider's references (the Stripe PaymentMethod and Customer IDs, which
 * the server's Stripe key can charge) are stored sealed by the secret box, so
 * with ENCRYPTION_KEY they are encrypted at rest; every read opens them here.
 */
function sealPaymentMethod(dependencies: AppDependencies, method: PaymentMethodRecord): PaymentMethodRecord {
  const { secrets } = dependencies;
  return {
    ...method,
    reference: secrets.seal(method.reference, method.id),
    providerCustomer: method.providerCustomer === null ? null : secrets.seal(method.providerCustomer, method.id),
  };
}

export function openPaymentMethod(dependencies: AppDependencies, method: PaymentMethodRecord): PaymentMethodRecord {
  const { secrets } = dependencies;
  return {
    ...method,
    reference: secrets.open(method.reference, method.id),
    providerCustomer: method.providerCustomer === null ? null : secrets.open(method.providerCustomer, method.id),
  };
}

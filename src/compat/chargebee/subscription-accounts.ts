import { createCustomer, getCustomer, listWallets } from '../../app/accounts.ts';
import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { lookupKey } from '../../app/lookups.ts';
import { findUnit } from '../../app/wallet-address.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { UnitRecord, WalletRecord } from '../../store/records.ts';
import { noSuch, parameterError } from './chargebee-errors.ts';

/**
 * A Chargebee subscription's credit in one credit unit is one Creditbook wallet:
 *
 *   customer  the subscription's customer (see resolveSubscriptionCustomer)
 *   unit      the credit unit's id
 *   walletKey `subscription:<subscription_id>`
 *
 * Creditbook has no subscription object; the wallet key stands for it.
 */
export const SUBSCRIPTION_KEY_PREFIX = 'subscription:';

export function walletKeyOf(subscriptionId: string): string {
  return `${SUBSCRIPTION_KEY_PREFIX}${subscriptionId}`;
}

/** The subscription a wallet key stands for; undefined for wallets that are not a subscription's. */
export function subscriptionIdOf(walletKey: string): string | undefined {
  return walletKey.startsWith(SUBSCRIPTION_KEY_PREFIX) ? walletKey.slice(SUBSCRIPTION_KEY_PREFIX.length) : undefined;
}

/**
 * The customer a subscription's wallets belong to, found through any of them.
 * Undefined when the subscription has no wallet yet. `customer_id` (a
 * Creditbook extension to Chargebee's parameters) must agree when given. A
 * subscription's customer never changes once one of its wallets exists
 * (wallets are never deleted or moved), so a found customer is remembered.
 */
export async function findSubscriptionCustomer(
  dependencies: AppDependencies,
  context: RequestContext,
  subscriptionId: string,
  namedCustomerId?: string,
): Promise<string | undefined> {
  const cacheKey = lookupKey(context.environment.id, subscriptionId);
  let customerId = dependencies.lookups.subscriptionCustomers.get(cacheKey);
  if (customerId === undefined) {
    const wallets = await subscriptionWallets(dependencies, context, subscriptionId, undefined, 20);
    const customers = new Set(wallets.map((wallet) => wallet.customerId));
    if (customers.size > 1) {
      throw new CreditbookError('state_conflict', `Subscription '${subscriptionId}' has wallets under several customers (${[...customers].join(', ')}).`, {
        param: 'subscription_id',
      });
    }
    customerId = wallets[0]?.customerId;
    if (customerId !== undefined) {
      dependencies.lookups.subscriptionCustomers.set(cacheKey, customerId);
    }
  }
  if (customerId !== undefined && namedCustomerId !== undefined && namedCustomerId !== customerId) {
    throw parameterError('customer_id', `Subscription '${subscriptionId}' belongs to customer '${customerId}', not '${namedCustomerId}'.`);
  }
  return customerId;
}

/**
 * For writes that add credit (promotional grants, allocations): the
 * subscription's customer, brought into being on first use. With no wallet for
 * the subscription yet, the customer is the one the call names in
 * `customer_id`, else one whose id is the subscription id (what Chargebee
 * itself does when a subscription is created with a new customer). That
 * customer is created if it does not exist. Call only after the request is
 * otherwise validated, so bad input writes nothing.
 */
export async function ensureSubscriptionCustomer(
  dependencies: AppDependencies,
  context: RequestContext,
  subscriptionId: string,
  namedCustomerId?: string,
): Promise<string> {
  const existing = await findSubscriptionCustomer(dependencies, context, subscriptionId, namedCustomerId);
  if (existing !== undefined) return existing;
  const customerId = namedCustomerId ?? subscriptionId;
  const found = await getCustomer(dependencies, context, customerId).catch((error: unknown) => {
    if (error instanceof CreditbookError && error.code === 'not_found') return undefined;
    throw error;
  });
  if (found) return customerId;
  try {
    await createCustomer(dependencies, {
      context,
      input: { id: customerId, metadata: { created_by: 'chargebee', subscription_id: subscriptionId } },
      // No caller sees this body (no idempotency key stores it); it is there so the audit row names the customer
      // (idempotentWrite audits the object the presented body describes, presentedObjectId).
      present: (customer) => ({ status: 201, body: { id: customer.id } }),
    });
  } catch (error) {
    // Another request created it first: either way it exists now.
    if (!(error instanceof CreditbookError && error.code === 'state_conflict')) throw error;
  }
  return customerId;
}

/** For reads and consuming writes: the subscription's customer, or Chargebee's 404. */
export async function requireSubscriptionCustomer(
  dependencies: AppDependencies,
  context: RequestContext,
  subscriptionId: string,
  namedCustomerId?: string,
): Promise<string> {
  const customerId = await findSubscriptionCustomer(dependencies, context, subscriptionId, namedCustomerId);
  if (customerId === undefined) throw noSuch('Subscription credit account', subscriptionId, 'subscription_id');
  return customerId;
}

/** The subscription's wallets (one per credit unit), oldest first; at most `max`. */
export async function subscriptionWallets(
  dependencies: AppDependencies,
  context: RequestContext,
  subscriptionId: string,
  unit: string | undefined,
  max = 1000,
): Promise<WalletRecord[]> {
  const walletKey = walletKeyOf(subscriptionId);
  const found: WalletRecord[] = [];
  let startingAfter: string | null = null;
  for (;;) {
    const page = await listWallets(dependencies, context, { walletKey, ...(unit === undefined ? {} : { unit }) }, { limit: 100, startingAfter });
    found.push(...page.data);
    if (!page.hasMore || page.data.length === 0 || found.length >= max) break;
    startingAfter = page.data[page.data.length - 1]!.id;
  }
  return found.slice(0, max).reverse();
}

/** The credit unit, or Chargebee's 404 naming `unit_id`. */
export async function requireCreditUnit(dependencies: AppDependencies, context: RequestContext, unitId: string): Promise<UnitRecord> {
  try {
    return await findUnit(dependencies, context.environment.id, unitId);
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'not_found') {
      throw noSuch('Credit unit', unitId, 'unit_id');
    }
    throw error;
  }
}

import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { findUnit, type WalletReference } from '../../app/wallet-address.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { UnitRecord } from '../../store/records.ts';
import { findCustomer } from '../../app/accounts.ts';

/**
 * How Stigg's names map onto wallets.
 *
 * - A Stigg customer is the Creditbook customer with the same ID (the caller's own).
 *   Granting credits creates the customer on first use (in the grant's transaction:
 *   `createGrant`'s `missingCustomer: 'create'`), as Stigg's customers are
 *   provisioned by an API this dialect does not serve; every other call needs it.
 * - A Stigg currency (`currencyId`) is the Creditbook unit with that code.
 * - A Stigg resource scopes a wallet: walletKey `resource:<resourceId>`. Without a
 *   resource, the customer's default wallet (walletKey '') is meant, for lists too,
 *   as Stigg's own lists only show grants without a resource unless one is named.
 *
 * Stigg sees only those wallets: grants of other keyed wallets (a Paygentic
 * entitlement, a Chargebee subscription) are not found through this dialect.
 */
export const RESOURCE_KEY_PREFIX = 'resource:';

export function walletKeyOf(resourceId: string | undefined): string {
  return resourceId === undefined ? '' : `${RESOURCE_KEY_PREFIX}${resourceId}`;
}

export function resourceIdOf(walletKey: string): string | null {
  return walletKey.startsWith(RESOURCE_KEY_PREFIX) ? walletKey.slice(RESOURCE_KEY_PREFIX.length) : null;
}

export function isStiggWallet(walletKey: string): boolean {
  return walletKey === '' || walletKey.startsWith(RESOURCE_KEY_PREFIX);
}

export function walletReference(input: { customerId: string; currencyId: string; resourceId?: string | undefined }): WalletReference {
  return { customerId: input.customerId, unit: input.currencyId, walletKey: walletKeyOf(input.resourceId) };
}

/**
 * The unit a Stigg currency names, or an error that says how to create it. Where
 * the seed documents the endpoint's errors (creating a grant: 400, 401, 403, 409,
 * 429, no 404), an unknown currency is bad input (`unknown: 'bad_input'`, 400
 * BadUserInput); elsewhere it is a 404 NotFound.
 */
export async function findCurrency(
  dependencies: AppDependencies,
  context: RequestContext,
  currencyId: string,
  options: { unknown: 'not_found' | 'bad_input' } = { unknown: 'not_found' },
): Promise<UnitRecord> {
  try {
    return await findUnit(dependencies, context.environment.id, currencyId);
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'not_found') {
      const code = options.unknown === 'bad_input' ? 'validation_error' : 'not_found';
      throw new CreditbookError(code, `No custom currency '${currencyId}'. Create it with POST /api/v1/credits/custom-currencies.`, {
        param: 'currencyId',
      });
    }
    throw error;
  }
}

export async function customerExists(dependencies: AppDependencies, context: RequestContext, customerId: string): Promise<boolean> {
  return (await findCustomer(dependencies, context, customerId)) !== undefined;
}

export async function requireCustomer(dependencies: AppDependencies, context: RequestContext, customerId: string): Promise<void> {
  if (!(await customerExists(dependencies, context, customerId))) {
    throw new CreditbookError('not_found', `No customer with id '${customerId}'.`, { param: 'customerId' });
  }
}

/**
 * What a list (grants, ledger) names must exist: an unknown customer or currency is
 * 404 NotFound, as for consumption and auto-recharge, never an empty list that
 * cannot be told from a customer with nothing yet. A resource is only a wallet key
 * here, not an entity of its own, so an unknown one is an empty list.
 */
export async function requireListScope(
  dependencies: AppDependencies,
  context: RequestContext,
  query: { customerId: string; currencyId?: string | undefined },
): Promise<void> {
  await requireCustomer(dependencies, context, query.customerId);
  if (query.currencyId !== undefined) await findCurrency(dependencies, context, query.currencyId);
}

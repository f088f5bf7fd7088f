import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import type { UnitRecord, WalletAddress } from '../store/records.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { lookupKey } from './lookups.ts';

export interface WalletReference {
  customerId: string;
  unit: string;
  walletKey?: string | null | undefined;
}

/**
 * A wallet's key as the API and every event spell it: null for the customer's default wallet in the unit, which
 * is stored as '' (WalletKeyView, http/response-schemas.ts). One rule, so no event family spells it otherwise.
 */
export function shownWalletKey(walletKey: string): string | null {
  return walletKey === '' ? null : walletKey;
}

export interface ResolvedWallet {
  address: WalletAddress;
  unit: UnitRecord;
}

/**
 * Customers and units are never deleted and a unit's scale never changes, so
 * what was found once is remembered (`dependencies.lookups`), keeping two reads
 * off every write.
 */
export async function resolveWallet(
  dependencies: AppDependencies,
  context: RequestContext,
  reference: WalletReference,
  /** `create`: a missing customer is not refused here; the operation creates it in its transaction (`WalletOperation.createsCustomer`). */
  options: { missingCustomer?: 'refuse' | 'create' } = {},
): Promise<ResolvedWallet> {
  const known = knownWallet(dependencies, context, reference);
  if (known) return known;
  const environmentId = context.environment.id;
  const walletKey = reference.walletKey ?? '';
  if (walletKey.length > 200) throw validationError('walletKey', 'walletKey must be at most 200 characters.');
  const unit = await findUnit(dependencies, environmentId, reference.unit);
  const customerKey = lookupKey(environmentId, reference.customerId);
  if (!dependencies.lookups.customers.get(customerKey)) {
    const customer = await dependencies.store.read((repository) => repository.accounts.getCustomer(environmentId, reference.customerId));
    if (!customer && options.missingCustomer !== 'create') throw notFound('customer', reference.customerId, 'customerId');
    // Only a customer that exists is remembered: one the operation is about to create may yet roll back.
    if (customer) dependencies.lookups.customers.set(customerKey, true);
  }
  return { address: { environmentId, customerId: reference.customerId, unit: unit.code, walletKey }, unit };
}

/**
 * What `resolveWallet` resolves with when both the unit and the customer were found before
 * (`dependencies.lookups`), with no read and no promise; otherwise undefined, and so for any
 * reference `resolveWallet` would refuse.
 */
export function knownWallet(dependencies: AppDependencies, context: RequestContext, reference: WalletReference): ResolvedWallet | undefined {
  const environmentId = context.environment.id;
  const walletKey = reference.walletKey ?? '';
  if (walletKey.length > 200) return undefined;
  const unit = dependencies.lookups.units.get(lookupKey(environmentId, reference.unit));
  if (!unit || !dependencies.lookups.customers.get(lookupKey(environmentId, reference.customerId))) return undefined;
  return { address: { environmentId, customerId: reference.customerId, unit: unit.code, walletKey }, unit };
}

export async function findUnit(dependencies: AppDependencies, environmentId: string, code: string): Promise<UnitRecord> {
  const unitKey = lookupKey(environmentId, code);
  const cached = dependencies.lookups.units.get(unitKey);
  if (cached) return cached;
  const unit = await dependencies.store.read((repository) => repository.accounts.getUnit(environmentId, code));
  if (!unit) {
    throw new CreditbookError('not_found', `No unit '${code}'. Create it first with POST /v1/units.`, { param: 'unit' });
  }
  dependencies.lookups.units.set(unitKey, unit);
  return unit;
}

import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import type { UnitRecord, WalletAddress } from '../store/records.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';

export interface WalletReference {
  customerId: string;
  unit: string;
  walletKey?: string | null | undefined;
}

export interface ResolvedWallet {
  address: WalletAddress;
  unit: UnitRecord;
}

/**
 * Customers and units are never deleted and a unit's scale never changes, so
 * what was found once is remembered (bounded), keeping two reads off every write.
 */
const knownUnits = new Map<string, UnitRecord>();
const knownCustomers = new Set<string>();
const CACHE_LIMIT = 50_000;

export async function resolveWallet(dependencies: AppDependencies, context: RequestContext, reference: WalletReference): Promise<ResolvedWallet> {
  const environmentId = context.environment.id;
  const walletKey = reference.walletKey ?? '';
  if (walletKey.length > 200) throw validationError('walletKey', 'walletKey must be at most 200 characters.');
  const unit = await findUnit(dependencies, environmentId, reference.unit);
  const customerCacheKey = `${environmentId}\u0000${reference.customerId}`;
  if (!knownCustomers.has(customerCacheKey)) {
    const customer = await dependencies.store.read((repository) => repository.accounts.getCustomer(environmentId, reference.customerId));
    if (!customer) throw notFound('customer', reference.customerId, 'customerId');
    remember(knownCustomers, customerCacheKey);
  }
  return { address: { environmentId, customerId: reference.customerId, unit: unit.code, walletKey }, unit };
}

export async function findUnit(dependencies: AppDependencies, environmentId: string, code: string): Promise<UnitRecord> {
  const cacheKey = `${environmentId}\u0000${code}`;
  const cached = knownUnits.get(cacheKey);
  if (cached) return cached;
  const unit = await dependencies.store.read((repository) => repository.accounts.getUnit(environmentId, code));
  if (!unit) {
    throw new CreditbookError('not_found', `No unit '${code}'. Create it first with POST /v1/units.`, { param: 'unit' });
  }
  if (knownUnits.size >= CACHE_LIMIT) knownUnits.clear();
  knownUnits.set(cacheKey, unit);
  return unit;
}

function remember(set: Set<string>, key: string): void {
  if (set.size >= CACHE_LIMIT) set.clear();
  set.add(key);
}

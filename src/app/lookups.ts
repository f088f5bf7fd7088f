import type { FeatureRecord, UnitRecord, WalletAddress } from '../store/records.ts';

/**
 * A bounded memory of facts that never change once found (customers, units and
 * wallets are never deleted, a unit's scale never changes, a wallet never moves),
 * keeping reads off the hot path. Cleared whole when full: a miss only costs a read.
 */
export class LookupCache<Value> {
  private readonly entries = new Map<string, Value>();

  constructor(private readonly limit: number) {}

  get(key: string): Value | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: Value): void {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
  }
}

/** The lookups one running app remembers, keyed by `environmentId + '\u0000' + …`. */
export interface Lookups {
  units: LookupCache<UnitRecord>;
  customers: LookupCache<true>;
  /** Features never change once created. */
  features: LookupCache<FeatureRecord>;
  /** A Paygentic entitlement ID's wallet (found by scanning its environment's wallets). */
  entitlementWallets: LookupCache<WalletAddress>;
  /** A Chargebee subscription's customer (found through any of its wallets). */
  subscriptionCustomers: LookupCache<string>;
}

export function createLookups(): Lookups {
  return {
    units: new LookupCache(50_000),
    customers: new LookupCache(50_000),
    features: new LookupCache(10_000),
    entitlementWallets: new LookupCache(10_000),
    subscriptionCustomers: new LookupCache(50_000),
  };
}

export function lookupKey(environmentId: string, name: string): string {
  return `${environmentId}\u0000${name}`;
}

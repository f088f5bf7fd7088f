import type { FeatureRecord, UnitRecord, WalletAddress } from '../store/records.ts';
import type { SteadyBalance } from './balances.ts';
import { PriceMemory } from './price-memory.ts';
import type { LoadedWallet } from './wallet-operation.ts';

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

/** What one running app remembers: lookups keyed by `environmentId + '\u0000' + …`, price versions and steady balances. */
export interface Lookups {
  units: LookupCache<UnitRecord>;
  customers: LookupCache<true>;
  /** Features never change once created. */
  features: LookupCache<FeatureRecord>;
  /** A Paygentic entitlement ID's wallet (found by scanning its environment's wallets). */
  entitlementWallets: LookupCache<WalletAddress>;
  /** A Chargebee subscription's customer (found through any of its wallets). */
  subscriptionCustomers: LookupCache<string>;
  /** Prices change, but only by a new version: remembered while none can have been added (price-memory.ts). */
  prices: PriceMemory;
  /** The balance of each remembered wallet state, until its next event falls due (balances.ts); it lives as long as its state. */
  steadyBalances: WeakMap<LoadedWallet, SteadyBalance>;
}

export function createLookups(): Lookups {
  return {
    units: new LookupCache(50_000),
    customers: new LookupCache(50_000),
    features: new LookupCache(10_000),
    entitlementWallets: new LookupCache(10_000),
    subscriptionCustomers: new LookupCache(50_000),
    prices: new PriceMemory(),
    steadyBalances: new WeakMap(),
  };
}

export function lookupKey(environmentId: string, name: string): string {
  return `${environmentId}\u0000${name}`;
}

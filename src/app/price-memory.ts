import type { Instant } from '../domain/types.ts';
import type { PriceRecord } from '../store/records.ts';

interface RememberedPrices {
  /** Every version, in effect or not yet: the versions in effect at any instant are filtered from them. */
  versions: readonly PriceRecord[];
  /** The store's `externalChanges` and this process's price writes when they were read. */
  externalChanges: number;
  ownChanges: number;
}

/** Entries kept at most; cleared whole when full (a miss only costs a read). */
const LIMIT = 10_000;

/**
 * A feature's list prices and one customer's overrides, remembered by this process while
 * nothing can have added one, so a rating (an entitlement check, a usage event) does not read
 * them each time. Prices are only ever inserted, a new version at a time (pricing.ts), so what
 * was read stays right until an insert: one by another process moves the store's
 * `externalChanges` (the request's, `RequestContext.externalChanges`), one by this process is
 * counted by `changed()`. A store that cannot tell (PostgreSQL, where nodes do not see each
 * other's commits: `externalChanges` undefined) is read every time.
 *
 * Invariant: an entry is used only while both counts are what they were before its read began,
 * so a price committed at any moment since is never missed.
 */
export class PriceMemory {
  private readonly entries = new Map<string, RememberedPrices>();
  private ownChanges = 0;

  /** Call once a transaction that may have inserted a price has settled (committed or not). */
  changed(): void {
    this.ownChanges += 1;
  }

  /** The versions in effect by `at`, from memory or from `read` (which must return every version, whatever its effectiveAt). */
  async inEffect(
    key: { environmentId: string; feature: string; customerId: string },
    at: Instant,
    externalChanges: number | undefined,
    read: () => Promise<readonly PriceRecord[]>,
  ): Promise<readonly PriceRecord[]> {
    if (externalChanges === undefined) return inEffectAt(await read(), at);
    const name = `${key.environmentId}\u0000${key.feature}\u0000${key.customerId}`;
    const remembered = this.entries.get(name);
    if (remembered && remembered.externalChanges === externalChanges && remembered.ownChanges === this.ownChanges) return inEffectAt(remembered.versions, at);
    // Stamped before the read: an insert that lands meanwhile leaves the entry unusable.
    const ownChanges = this.ownChanges;
    const versions = await read();
    if (this.entries.size >= LIMIT) this.entries.clear();
    this.entries.set(name, { versions, externalChanges, ownChanges });
    return inEffectAt(versions, at);
  }
}

function inEffectAt(versions: readonly PriceRecord[], at: Instant): readonly PriceRecord[] {
  return versions.filter((price) => price.effectiveAt <= at);
}

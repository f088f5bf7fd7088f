import type { AppDependencies } from './dependencies.ts';
import { closeWithProvider } from './purchases-checkout.ts';

/** How long a node has to close a purchase it claimed before another node may try. */
const CLAIM_LEASE_MS = 60_000;

/**
 * One pass of the background expiry of unpaid purchases, on every node. Open
 * purchases whose payment window has passed (on their environment's clock, so a
 * test-clock advance expires them too) are claimed with a lease under SKIP
 * LOCKED, then each is closed at its provider and expired (or, if the provider
 * says it was paid after all, completed). The transition itself is guarded, so
 * two nodes, or a node and a late payment, never both act. Returns how many it
 * expired; a purchase whose provider cannot be reached stays open for a later pass.
 */
export async function expireDuePurchases(
  dependencies: AppDependencies,
  options: { limit?: number; onError?: (error: unknown, purchaseId: string) => void } = {},
): Promise<number> {
  const now = dependencies.clock.now();
  const claimed = await dependencies.store.transaction((repository) =>
    repository.purchases.claimExpired({ now, leaseUntil: now + CLAIM_LEASE_MS, limit: options.limit ?? 100 }),
  );
  let expired = 0;
  for (const { id, environmentId } of claimed) {
    try {
      const purchase = await dependencies.store.read((repository) => repository.purchases.get(environmentId, id));
      if (!purchase || purchase.status !== 'open') continue;
      const ended = await closeWithProvider(dependencies, { purchase, status: 'expired', requestId: 'purchase-expiry' });
      if (ended.status === 'expired') expired += 1;
    } catch (error) {
      options.onError?.(error, id);
    }
  }
  return expired;
}

import { activationInstant } from './grant-status.ts';
import type { Instant, WalletSnapshot } from './types.ts';

/**
 * The earliest time-driven event of a wallet that is not booked yet (activation,
 * grant expiry with credit left, hold expiry), or null. The sweep uses it to find
 * wallets with work due without scanning grants.
 */
export function nextEventAt(snapshot: WalletSnapshot): Instant | null {
  let earliest: Instant | null = null;
  const consider = (at: Instant) => {
    if (earliest === null || at < earliest) earliest = at;
  };
  for (const grant of snapshot.grants) {
    if (grant.voidedAt !== null || grant.paymentPending) continue;
    if (grant.activatedAt === null) consider(activationInstant(grant));
    else if (grant.expiredAt === null && grant.expiresAt !== null && (grant.available > 0n || grant.held > 0n)) consider(grant.expiresAt);
  }
  for (const hold of snapshot.holds) if (hold.status === 'active') consider(hold.expiresAt);
  return earliest;
}

import type { GrantState, GrantStatus, Instant } from './types.ts';

/** The instant a grant starts to count: backdating never rewrites history. */
export function activationInstant(grant: GrantState): Instant {
  return Math.max(grant.effectiveAt, grant.createdAt);
}

/** Status is derived from the grant and the time asked about, never stored. */
export function grantStatus(grant: GrantState, at: Instant): GrantStatus {
  if (grant.voidedAt !== null && grant.voidedAt <= at) return 'voided';
  if (grant.paymentPending) return 'payment_pending';
  if (activationInstant(grant) > at) return 'scheduled';
  if (grant.expiresAt !== null && grant.expiresAt <= at) return 'expired';
  return 'active';
}

/** Whether a debit or hold at `at` for `feature` may take from this grant. */
export function isSpendable(grant: GrantState, at: Instant, feature: string | null): boolean {
  return (
    grant.activatedAt !== null &&
    grant.voidedAt === null &&
    !grant.paymentPending &&
    (grant.expiresAt === null || grant.expiresAt > at) &&
    grant.available > 0n &&
    appliesToFeature(grant, feature)
  );
}

export function appliesToFeature(grant: GrantState, feature: string | null): boolean {
  if (grant.appliesTo.length === 0) return true;
  return feature !== null && grant.appliesTo.includes(feature);
}

/**
 * A grant as of `at` when its stored state may lag the clock (an expiry not yet
 * booked by the sweep): what would expire at expiresAt is shown as expired.
 */
export function projectGrant<Grant extends GrantState>(grant: Grant, at: Instant): Grant {
  const dueToExpire = grant.activatedAt !== null && grant.expiredAt === null && grant.expiresAt !== null && grant.expiresAt <= at;
  if (!dueToExpire || grant.voidedAt !== null) return grant;
  return { ...grant, available: 0n, expired: grant.expired + grant.available, expiredAt: grant.expiresAt };
}

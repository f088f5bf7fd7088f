/**
 * Stripe-looking IDs for Creditbook objects. Every mapping is reversible and
 * needs no table:
 *
 * - credit grant  `credgr_<suffix>` ⇄ grant        `grt_<suffix>`
 * - transaction   `cbtxn_<suffix>`  ⇄ ledger entry `le_<suffix>`
 * - customer      `cus_<alnum>`     ⇄ the customer with that very ID (customers made
 *   through this dialect get generated `cus_…` IDs, and a customer created natively
 *   with a Stripe ID keeps it); any other native customer ID `x` shows as `cus_.x`.
 *   The `.` never occurs in a Stripe-shaped ID, so the two forms cannot collide.
 *
 * A string that is not of the expected form maps to nothing (`undefined`): the
 * caller answers "No such …", as Stripe does, rather than guessing.
 */
const STRIPE_SHAPED_CUSTOMER = /^cus_[A-Za-z0-9]+$/;
const ESCAPED_CUSTOMER_PREFIX = 'cus_.';

function swapPrefix(id: string, from: string, to: string): string | undefined {
  if (!id.startsWith(from) || id.length === from.length) return undefined;
  return `${to}${id.slice(from.length)}`;
}

export function toStripeGrantId(grantId: string): string {
  return swapPrefix(grantId, 'grt_', 'credgr_') ?? grantId;
}

export function fromStripeGrantId(stripeId: string): string | undefined {
  return swapPrefix(stripeId, 'credgr_', 'grt_');
}

export function toStripeTransactionId(entryId: string): string {
  return swapPrefix(entryId, 'le_', 'cbtxn_') ?? entryId;
}

export function fromStripeTransactionId(stripeId: string): string | undefined {
  return swapPrefix(stripeId, 'cbtxn_', 'le_');
}

export function toStripeCustomerId(customerId: string): string {
  return STRIPE_SHAPED_CUSTOMER.test(customerId) ? customerId : `${ESCAPED_CUSTOMER_PREFIX}${customerId}`;
}

export function fromStripeCustomerId(stripeId: string): string | undefined {
  if (STRIPE_SHAPED_CUSTOMER.test(stripeId)) return stripeId;
  if (stripeId.startsWith(ESCAPED_CUSTOMER_PREFIX) && stripeId.length > ESCAPED_CUSTOMER_PREFIX.length) {
    const customerId = stripeId.slice(ESCAPED_CUSTOMER_PREFIX.length);
    // Only an ID that toStripeCustomerId would have escaped round-trips.
    return STRIPE_SHAPED_CUSTOMER.test(customerId) ? undefined : customerId;
  }
  return undefined;
}

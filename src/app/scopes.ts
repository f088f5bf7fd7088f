import { CreditbookError, validationError } from '../domain/errors.ts';

/**
 * What an API key may do, like Stripe's restricted keys. A key holds a set of
 * scopes; each route of every surface (native API and dialects) requires
 * exactly one, and a key without it gets 403 naming that scope. `all` is a
 * full-access key (every key made before scopes existed is one).
 */
export const scopes = [
  'all',
  /** Every GET of credit data: customers, units, wallets, grants, balances, ledger, purchases, webhooks, events, exports. */
  'read',
  /** Customers, units (credit currencies) and wallets. */
  'customers:write',
  /** Grants and grant schedules: create, change, void, expire, cancel. */
  'grants:write',
  /** Debits and holds (authorize, capture, release). */
  'debits:write',
  /** Usage events and entitlement checks (which may reserve credit). */
  'usage:write',
  /** Features and their prices (rating). */
  'pricing:write',
  /** Purchases, saved payment methods, balance settings (alerts, auto top-up). */
  'purchases:write',
  /** Webhook endpoints and resending deliveries. */
  'webhooks:write',
  /** Moving a test environment's clock. */
  'test_clock:write',
  /** Listing, creating and revoking API keys (only with scopes the creating key holds). */
  'keys:manage',
  /** Reading the audit log. */
  'audit_log:read',
] as const;

export type Scope = (typeof scopes)[number];

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}

export function holdsScope(held: readonly string[], needed: Scope): boolean {
  return held.includes('all') || held.includes(needed);
}

export function assertScope(held: readonly string[], needed: Scope, operation: string): void {
  if (holdsScope(held, needed)) return;
  throw new CreditbookError('forbidden', `This API key lacks the '${needed}' scope, which ${operation} needs.`, { details: { requiredScope: needed } });
}

/** A requested scope list, checked: known names, no repeats, at least one; sorted. */
export function parseScopes(requested: readonly string[], param = 'scopes'): Scope[] {
  if (requested.length === 0) throw validationError(param, `'${param}' needs at least one scope, from: ${scopes.join(', ')}.`);
  const unique = [...new Set(requested)];
  for (const scope of unique) {
    if (!isScope(scope)) throw validationError(param, `Unknown scope '${scope}'; choose from: ${scopes.join(', ')}.`);
  }
  return (unique as Scope[]).sort();
}

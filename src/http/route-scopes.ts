import type { Scope } from '../app/scopes.ts';
import { readOrWrite, type ScopeRule } from '../edge/access.ts';

/** The write scope of each top-level resource under /v1 (app/scopes.ts says what each covers). */
const writeScopes: Record<string, Scope> = {
  customers: 'customers:write',
  units: 'customers:write',
  wallets: 'customers:write',
  grants: 'grants:write',
  'grant-schedules': 'grants:write',
  debits: 'debits:write',
  holds: 'debits:write',
  'usage-events': 'usage:write',
  entitlements: 'usage:write',
  features: 'pricing:write',
  prices: 'pricing:write',
  purchases: 'purchases:write',
  // Portal sessions let a customer buy packs; the session's own routes (`portal-session`) take portal tokens, not keys.
  'portal-sessions': 'purchases:write',
  'portal-session': 'purchases:write',
  'payment-methods': 'purchases:write',
  'balance-settings': 'purchases:write',
  'webhook-endpoints': 'webhooks:write',
  'test-clock': 'test_clock:write',
};

/** Keys, test environments (each made with a key) and the audit log need their own scopes, even to read: they say who may do what. */
const ownScopes: Record<string, Scope> = { 'api-keys': 'keys:manage', 'test-environments': 'keys:manage', 'audit-log': 'audit_log:read' };

/** The native API's scope rule: by the resource after /v1/ (routes are registered with that prefix). */
export const nativeRouteScope: ScopeRule = (method, url) => {
  const resource = url.replace(/^\/v1\//, '').split('/')[0] ?? '';
  return ownScopes[resource] ?? readOrWrite(method, writeScopes[resource]);
};

import assert from 'node:assert/strict';
import { expectJsonError, jsonDialectClient, nativeOk, startJsonDialectServer, storeEarlierFingerprint, type JsonDialectCall, type JsonDialectServer } from '../../support/json-dialect.ts';
import { expectShape, type Json, type RawResponse } from '../../support/raw-http.ts';
import { apiClient } from '../../support/serve-process.ts';
import { PaygenticError } from './paygentic-response-schemas.ts';

/**
 * The real `serve` command with the Paygentic dialect (test/support/json-dialect.ts), and a raw HTTP client
 * that sends what Paygentic's TypeScript SDK (Speakeasy-generated) sends:
 * `Authorization: Bearer <key>`, `Accept: application/json`, its user agent,
 * a JSON body only on POST, and the list defaults in the query string.
 */

export type { Json };

export type PaygenticResponse = RawResponse;

const CLIENT_HEADERS = {
  accept: 'application/json',
  'user-agent': 'speakeasy-sdk/typescript 0.4.2 2.707.0 1.0.0 @paygentic/sdk',
};

const PAYGENTIC_CLIENT = { headers: CLIENT_HEADERS, keyHeaders: (key: string) => ({ authorization: `Bearer ${key}` }) };

export function paygenticClient(baseUrl: string, defaultKey: string): JsonDialectCall {
  return jsonDialectClient(PAYGENTIC_CLIENT, baseUrl, defaultKey);
}

export type PaygenticCall = JsonDialectCall;

export { expectShape, nativeOk, storeEarlierFingerprint };

export interface PaygenticServer extends JsonDialectServer {
  paygenticUrl: string;
  paygentic: PaygenticCall;
}

/** Starts `serve` on a fresh database: mounted under /compat/paygentic by default, or with `ownPort` at the root of its own port. */
export async function startPaygenticServer(options: { ownPort?: boolean } = {}): Promise<PaygenticServer> {
  const server = await startJsonDialectServer('paygentic', PAYGENTIC_CLIENT, options);
  return { ...server, paygenticUrl: server.dialectUrl, paygentic: server.call };
}

/**
 * An entitlement as the dialect defines it: a wallet with walletKey `entitlement:<id>`,
 * made through the native API for a customer and a unit (created here if needed).
 */
export async function createEntitlement(
  server: PaygenticServer,
  input: { entitlementId: string; customerId: string; unit?: string; scale?: number; overdraftLimit?: string; key?: string },
): Promise<Json> {
  const unit = input.unit ?? 'api_calls';
  const units = await nativeOk(server, 'GET', '/v1/units', undefined, input.key);
  if (!units.data.some((candidate: Json) => candidate.code === unit)) await nativeOk(server, 'POST', '/v1/units', { code: unit, scale: input.scale ?? 2 }, input.key);
  const customers = apiClient(server.served.baseUrl, input.key ?? server.testKey);
  if ((await customers('GET', `/v1/customers/${input.customerId}`)).status === 404) await nativeOk(server, 'POST', '/v1/customers', { id: input.customerId }, input.key);
  return nativeOk(
    server,
    'POST',
    '/v1/wallets',
    { customerId: input.customerId, unit, walletKey: `entitlement:${input.entitlementId}`, ...(input.overdraftLimit ? { overdraftLimit: input.overdraftLimit } : {}) },
    input.key,
  );
}

/** Asserts Paygentic's flat error: `{message, error, code, details?}`, never nested, with the status and code. */
export function expectPaygenticError(response: PaygenticResponse, status: number, code: string, message?: RegExp): Json {
  expectJsonError(response, status, code, message);
  const body = expectShape(PaygenticError, response.body, 'error body');
  assert.equal(typeof body.error, 'string', 'error is the flat category string, never an object');
  assert.equal(body.code, code);
  return body;
}

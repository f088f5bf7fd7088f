import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expectShape, sendRaw, type Json, type RawResponse } from '../../support/raw-http.ts';
import { countRows } from '../../support/row-counts.ts';
import { apiClient, runCli, startServe, type ServedProcess } from '../../support/serve-process.ts';
import { PaygenticError } from './paygentic-response-schemas.ts';

/**
 * The real `serve` command with the Paygentic dialect, and a raw HTTP client
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

export function paygenticClient(baseUrl: string, defaultKey: string) {
  return async function call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> } = {},
  ): Promise<PaygenticResponse> {
    const key = options.key === undefined ? defaultKey : options.key;
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...CLIENT_HEADERS,
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    return sendRaw(`${baseUrl}${path}`, { method, headers, payload });
  };
}

export type PaygenticCall = ReturnType<typeof paygenticClient>;

export { expectShape };

export interface PaygenticServer {
  served: ServedProcess;
  testKey: string;
  paygenticUrl: string;
  paygentic: PaygenticCall;
  native: ReturnType<typeof apiClient>;
  liveKey: () => string;
  expectNoWrites: <T>(action: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** Starts `serve` on a fresh database: mounted under /compat/paygentic by default, or with `ownPort` at the root of its own port. */
export async function startPaygenticServer(options: { ownPort?: boolean } = {}): Promise<PaygenticServer> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-paygentic-'));
  const databasePath = join(directory, 'paygentic.db');
  const args = options.ownPort ? ['--paygentic-port', '0'] : ['--compat', 'stigg,paygentic'];
  const served = await startServe({ database: databasePath, args });
  const testKey = served.testKey!;
  const paygenticUrl = options.ownPort ? served.dialectUrls.paygentic! : `${served.baseUrl}/compat/paygentic`;
  let live: string | undefined;
  let counts: Database.Database | undefined;
  const tableCounts = () => {
    counts ??= new Database(databasePath, { readonly: true, fileMustExist: true });
    return countRows(counts);
  };
  return {
    served,
    testKey,
    paygenticUrl,
    paygentic: paygenticClient(paygenticUrl, testKey),
    native: apiClient(served.baseUrl, testKey),
    liveKey: () => {
      if (live === undefined) {
        const result = runCli(['keys', 'create', '--env', 'live', '--db', databasePath]);
        assert.equal(result.status, 0, result.stderr);
        live = result.stdout.trim();
      }
      return live;
    },
    expectNoWrites: async (action) => {
      const before = tableCounts();
      const result = await action();
      assert.deepEqual(tableCounts(), before, 'a rejected request must write nothing');
      return result;
    },
    close: async () => {
      counts?.close();
      await served.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A native call that must succeed; returns its body. */
export async function nativeOk(server: PaygenticServer, method: string, path: string, body?: unknown, key?: string): Promise<Json> {
  const response = key === undefined ? await server.native(method, path, body) : await apiClient(server.served.baseUrl, key)(method, path, body);
  assert.ok(response.status >= 200 && response.status < 300, `native ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
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
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = expectShape(PaygenticError, response.body, 'error body');
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  assert.equal(typeof body.error, 'string', 'error is the flat category string, never an object');
  assert.equal(body.code, code);
  if (message) assert.match(body.message, message);
  return body;
}

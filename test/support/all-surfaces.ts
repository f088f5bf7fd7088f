import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from './postgres-cluster.ts';
import { sendRaw, type RawResponse } from './raw-http.ts';
import { runCli, startServe, type ServedProcess } from './serve-process.ts';

/**
 * The real `creditbook serve` with every surface on: the native API, Stripe and
 * Chargebee on their own ports, Stigg and Paygentic mounted under /compat, on
 * SQLite or on a scratch PostgreSQL database. `send` speaks each surface's own
 * auth and body encoding.
 */
export type Surface = 'native' | 'stripe' | 'chargebee' | 'stigg' | 'paygentic';
export const surfaces: readonly Surface[] = ['native', 'stripe', 'chargebee', 'stigg', 'paygentic'];

export interface SurfaceRequest {
  method: string;
  /** The path on the surface (without /compat/<vendor>), with its query. */
  path: string;
  /** Defaults to the served test key; null sends none. */
  key?: string | null;
  /** JSON, or a form body (Stripe) when `form` is set. */
  body?: unknown;
  form?: string;
}

export interface AllSurfaces {
  served: ServedProcess;
  database: string;
  testKey: string;
  createKey: (env: 'test' | 'live', scopes?: string) => string;
  url: (surface: Surface) => string;
  send: (surface: Surface, request: SurfaceRequest) => Promise<RawResponse>;
  stop: () => Promise<void>;
}

export async function startAllSurfaces(options: { store: 'sqlite' | 'postgres'; args?: string[]; env?: Record<string, string> }): Promise<AllSurfaces> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-surfaces-'));
  const scratch = options.store === 'postgres' ? await createScratchDatabase('cb_surfaces') : undefined;
  const database = scratch?.url ?? join(directory, 'surfaces.db');
  const served = await startServe({
    database,
    ...(options.env ? { env: options.env } : {}),
    args: ['--stripe-port', '0', '--chargebee-port', '0', '--compat', 'stigg,paygentic', ...(options.args ?? [])],
  });
  assert.ok(served.testKey, `an empty database prints a test key:\n${served.output()}`);
  const testKey = served.testKey;
  const url = (surface: Surface): string =>
    surface === 'stripe' || surface === 'chargebee' ? served.dialectUrls[surface]! : surface === 'native' ? served.baseUrl : `${served.baseUrl}/compat/${surface}`;
  const authorization = (surface: Surface, key: string): Record<string, string> => {
    if (surface === 'stigg') return { 'x-api-key': key };
    if (surface === 'chargebee') return { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
    return { authorization: `Bearer ${key}` };
  };
  return {
    served,
    database,
    testKey,
    createKey(env, scopes) {
      const result = runCli(['keys', 'create', '--env', env, '--db', database, ...(scopes === undefined ? [] : ['--scopes', scopes])]);
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim();
    },
    url,
    send(surface, request) {
      const key = request.key === undefined ? testKey : request.key;
      const headers: Record<string, string> = key === null ? {} : authorization(surface, key);
      let payload: string | undefined;
      if (request.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = request.form;
      } else if (request.body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      }
      return sendRaw(`${url(surface)}${request.path}`, { method: request.method, headers, payload });
    },
    async stop() {
      await served.stop();
      await scratch?.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

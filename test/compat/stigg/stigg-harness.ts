import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expectShape, sendRaw, type Json, type RawResponse } from '../../support/raw-http.ts';
import { countRows } from '../../support/row-counts.ts';
import { apiClient, runCli, startServe, type ServedProcess } from '../../support/serve-process.ts';

/**
 * The real `serve` command with the Stigg dialect, and a raw HTTP client that
 * sends exactly what Stigg's TypeScript client (Stainless-generated, API 7.x)
 * sends: `X-API-KEY`, `Accept: application/json`, its User-Agent and
 * X-Stainless-* headers, a JSON body only when there is one (void sends none),
 * and nested query objects as %-encoded brackets (`createdAt%5Bgte%5D=…`).
 */

export type { Json };

export type StiggResponse = RawResponse;

export interface StiggRequest {
  query?: Record<string, string | number | Record<string, string>>;
  body?: unknown;
  /** Sent as is instead of `body` (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** The API key; null sends none. */
  key?: string | null;
}

const CLIENT_HEADERS = {
  accept: 'application/json',
  'user-agent': 'Stigg/JS 0.1.0-alpha.40',
  'x-stainless-lang': 'js',
  'x-stainless-package-version': '0.1.0-alpha.40',
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-stainless-runtime': 'node',
  'x-stainless-runtime-version': process.version,
  'x-stainless-retry-count': '0',
  'x-stainless-timeout': '60',
};

/** Stainless' query encoding: nested objects become `key[sub]`, keys and values %-encoded. */
export function stiggQuery(query: Record<string, string | number | Record<string, string>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'object') {
      for (const [sub, item] of Object.entries(value)) parts.push(`${encodeURIComponent(`${key}[${sub}]`)}=${encodeURIComponent(item)}`);
    } else parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

export function stiggClient(baseUrl: string, defaultKey: string) {
  return async function call(method: 'GET' | 'POST', path: string, options: StiggRequest = {}): Promise<StiggResponse> {
    const key = options.key === undefined ? defaultKey : options.key;
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...CLIENT_HEADERS,
      ...(key === null ? {} : { 'x-api-key': key }),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    return sendRaw(`${baseUrl}${path}${stiggQuery(options.query ?? {})}`, { method, headers, payload });
  };
}

export type StiggCall = ReturnType<typeof stiggClient>;

export { expectShape };

export interface StiggServer {
  served: ServedProcess;
  directory: string;
  databasePath: string;
  testKey: string;
  /** Stigg's base URL: the mount on the main port, or the dialect's own port. */
  stiggUrl: string;
  stigg: StiggCall;
  native: ReturnType<typeof apiClient>;
  /** A key of the live environment, for cross-environment checks. */
  liveKey: () => string;
  tableCounts: () => Record<string, number>;
  /** Runs `action` and asserts that no table gained or lost a row. */
  expectNoWrites: <T>(action: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** Starts `serve` on a fresh database: mounted under /compat/stigg by default, or with `ownPort` at the root of its own port. */
export async function startStiggServer(options: { ownPort?: boolean } = {}): Promise<StiggServer> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-stigg-'));
  const databasePath = join(directory, 'stigg.db');
  const args = options.ownPort ? ['--stigg-port', '0'] : ['--compat', 'stigg,paygentic'];
  const served = await startServe({ database: databasePath, args });
  const testKey = served.testKey!;
  const stiggUrl = options.ownPort ? served.dialectUrls.stigg! : `${served.baseUrl}/compat/stigg`;
  let live: string | undefined;
  let counts: Database.Database | undefined;
  const tableCounts = () => {
    counts ??= new Database(databasePath, { readonly: true, fileMustExist: true });
    return countRows(counts);
  };
  return {
    served,
    directory,
    databasePath,
    testKey,
    stiggUrl,
    stigg: stiggClient(stiggUrl, testKey),
    native: apiClient(served.baseUrl, testKey),
    liveKey: () => {
      if (live === undefined) {
        const result = runCli(['keys', 'create', '--env', 'live', '--db', databasePath]);
        assert.equal(result.status, 0, result.stderr);
        live = result.stdout.trim();
      }
      return live;
    },
    tableCounts,
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
export async function nativeOk(server: StiggServer, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await server.native(method, path, body);
  assert.ok(response.status >= 200 && response.status < 300, `native ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Asserts a Stigg error: the status, the code, and the exact `{message, code}` shape. */
export function expectStiggError(response: StiggResponse, status: number, code: string | null, message?: RegExp): Json {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(Object.keys(response.body).sort(), ['code', 'message']);
  assert.equal(response.body.code, code);
  assert.equal(typeof response.body.message, 'string');
  assert.ok(response.body.message.length > 0);
  if (message) assert.match(response.body.message, message);
  return response.body;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

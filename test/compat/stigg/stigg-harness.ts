import assert from 'node:assert/strict';
import { expectJsonError, jsonDialectClient, nativeOk, startJsonDialectServer, storeEarlierFingerprint, type JsonDialectCall, type JsonDialectRequest, type JsonDialectServer } from '../../support/json-dialect.ts';
import { expectShape, type Json, type RawResponse } from '../../support/raw-http.ts';

/**
 * The real `serve` command with the Stigg dialect (test/support/json-dialect.ts), and a raw HTTP client that
 * sends exactly what Stigg's TypeScript client (Stainless-generated, API 7.x)
 * sends: `X-API-KEY`, `Accept: application/json`, its User-Agent and
 * X-Stainless-* headers, a JSON body only when there is one (void sends none),
 * and nested query objects as %-encoded brackets (`createdAt%5Bgte%5D=…`).
 */

export type { Json };

export type StiggResponse = RawResponse;

export type StiggRequest = JsonDialectRequest;

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

const STIGG_CLIENT = { headers: CLIENT_HEADERS, keyHeaders: (key: string) => ({ 'x-api-key': key }), encodeQuery: stiggQuery };

export function stiggClient(baseUrl: string, defaultKey: string): JsonDialectCall {
  return jsonDialectClient(STIGG_CLIENT, baseUrl, defaultKey);
}

export type StiggCall = JsonDialectCall;

export { expectShape, nativeOk, storeEarlierFingerprint };

export interface StiggServer extends JsonDialectServer {
  /** Stigg's base URL: the mount on the main port, or the dialect's own port. */
  stiggUrl: string;
  stigg: StiggCall;
}

/** Starts `serve` on a fresh database: mounted under /compat/stigg by default, or with `ownPort` at the root of its own port. */
export async function startStiggServer(options: { ownPort?: boolean } = {}): Promise<StiggServer> {
  const server = await startJsonDialectServer('stigg', STIGG_CLIENT, options);
  return { ...server, stiggUrl: server.dialectUrl, stigg: server.call };
}

/** Asserts a Stigg error: the status, the code, and the exact `{message, code}` shape. */
export function expectStiggError(response: StiggResponse, status: number, code: string | null, message?: RegExp): Json {
  const body = expectJsonError(response, status, code, message);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  assert.equal(body.code, code);
  return body;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

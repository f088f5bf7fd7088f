import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sendRaw, type Json, type RawResponse } from './raw-http.ts';
import { countRows } from './row-counts.ts';
import { apiClient, runCli, startServe, type ServedProcess } from './serve-process.ts';

/**
 * One harness for the JSON dialects (Stigg, Paygentic): the real `serve` command on a
 * fresh database, a raw HTTP client that sends what a dialect's official client sends,
 * and the checks every dialect test shares (no writes, the JSON error envelope).
 * Each dialect supplies only what differs: its client's headers, how it sends the key,
 * how it encodes a query, and the exact shape of its errors.
 */

export type JsonDialectName = 'stigg' | 'paygentic';

export interface JsonDialectRequest {
  query?: Record<string, string | number | Record<string, string>>;
  body?: unknown;
  /** Sent as is instead of `body` (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** The API key; null sends none. */
  key?: string | null;
}

export interface JsonDialectClientShape {
  /** The headers the official client sends on every request. */
  headers: Record<string, string>;
  /** The header(s) that carry the API key. */
  keyHeaders: (key: string) => Record<string, string>;
  /** The query string for `query` (with its leading `?`, or empty). */
  encodeQuery?: (query: NonNullable<JsonDialectRequest['query']>) => string;
}

export function jsonDialectClient(shape: JsonDialectClientShape, baseUrl: string, defaultKey: string) {
  return async function call(method: string, path: string, options: JsonDialectRequest = {}): Promise<RawResponse> {
    const key = options.key === undefined ? defaultKey : options.key;
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...shape.headers,
      ...(key === null ? {} : shape.keyHeaders(key)),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    if (options.query && !shape.encodeQuery) throw new Error('this dialect sends no query object: put the query in the path');
    const query = options.query ? shape.encodeQuery!(options.query) : '';
    return sendRaw(`${baseUrl}${path}${query}`, { method, headers, payload });
  };
}

export type JsonDialectCall = ReturnType<typeof jsonDialectClient>;

export interface JsonDialectServer {
  served: ServedProcess;
  directory: string;
  databasePath: string;
  testKey: string;
  /** The dialect's base URL: the mount on the main port, or the dialect's own port. */
  dialectUrl: string;
  call: JsonDialectCall;
  native: ReturnType<typeof apiClient>;
  /** A key of the live environment, for cross-environment checks (made once, on first use). */
  liveKey: () => string;
  tableCounts: () => Record<string, number>;
  /** Runs `action` and asserts that no table gained or lost a row. */
  expectNoWrites: <T>(action: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** Starts `serve` on a fresh database: the dialect mounted under /compat/<name> by default, or with `ownPort` at the root of its own port. */
export async function startJsonDialectServer(name: JsonDialectName, shape: JsonDialectClientShape, options: { ownPort?: boolean } = {}): Promise<JsonDialectServer> {
  const directory = mkdtempSync(join(tmpdir(), `creditbook-${name}-`));
  const databasePath = join(directory, `${name}.db`);
  const args = options.ownPort ? [`--${name}-port`, '0'] : ['--compat', 'stigg,paygentic'];
  const served = await startServe({ database: databasePath, args });
  const testKey = served.testKey!;
  const dialectUrl = options.ownPort ? served.dialectUrls[name]! : `${served.baseUrl}/compat/${name}`;
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
    dialectUrl,
    call: jsonDialectClient(shape, dialectUrl, testKey),
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

/** A native call that must succeed (with the server's test key, or `key`); returns its body. */
export async function nativeOk(server: JsonDialectServer, method: string, path: string, body?: unknown, key?: string): Promise<Json> {
  const response = key === undefined ? await server.native(method, path, body) : await apiClient(server.served.baseUrl, key)(method, path, body);
  assert.ok(response.status >= 200 && response.status < 300, `native ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** What every dialect error has: the status, a JSON content type, and a non-empty message (matching `message` if given). */
export function expectJsonError(response: RawResponse, status: number, code: string | null, message?: RegExp): Json {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(typeof response.body.message, 'string');
  assert.ok(response.body.message.length > 0);
  if (message) assert.match(response.body.message, message);
  return response.body;
}

/**
 * Gives the idempotency record kept under `key` the fingerprint `fingerprint`, written straight into the
 * database as another process would: a request as a release that fingerprinted it otherwise stored it,
 * for retries across an upgrade.
 */
export function storeEarlierFingerprint(server: JsonDialectServer, key: string, fingerprint: string): void {
  const database = new Database(server.databasePath, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 10000');
    const changed = database.prepare('UPDATE idempotency_keys SET fingerprint = ? WHERE idempotency_key = ?').run(fingerprint, key).changes;
    assert.equal(changed, 1, `one idempotency record kept under '${key}'`);
  } finally {
    database.close();
  }
}

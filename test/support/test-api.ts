import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/app/api-keys.ts';
import { type AppDependencies } from '../../src/app/dependencies.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { defaultConfiguration, type Configuration } from '../../src/cli/configuration.ts';
import type { ResponseProblem } from '../../src/http/response-check.ts';
import { buildServer } from '../../src/http/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { HostResolver } from '../../src/webhooks/outbound-post.ts';
import { countRows } from './row-counts.ts';

/**
 * An in-process Creditbook API on a temp SQLite file, for HTTP tests.
 *
 * - `start()` migrates a fresh database, creates a test key and a live key, and
 *   (by default) freezes the test environment's clock at `t0`, a whole hour in
 *   the future, so every test-key write happens at an instant the test chose.
 * - Builders (`createUnit`, `createCustomer`, `grant`, `debit`, `hold`, …) assert
 *   success and return the parsed JSON body.
 * - `tableCounts()` counts the rows of every table through a separate, read-only
 *   better-sqlite3 connection: what a rejected request must leave unchanged.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const iso = (instant: number): string => new Date(instant).toISOString();

// Response bodies are JSON of many shapes; tests read them field by field.
export type Json = any;

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: Json;
  text: string;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (raw bytes or text), instead of `body`. */
  payload?: string | Buffer;
  /** The API key; defaults to the test key. `null` sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

export type CallOptions = Omit<RequestOptions, 'method' | 'url' | 'body'>;

export interface WalletInput {
  customerId: string;
  unit: string;
  walletKey?: string | null;
}

export interface TestApiOptions {
  freezeClock?: boolean;
  /** Changes the default configuration (payments, webhook delivery, …) the API is built with. */
  configure?: (configuration: Configuration) => Configuration;
  /** Replaces DNS for webhook hosts. */
  resolveHost?: HostResolver;
}

export class TestApi {
  /** The instant the test clock was frozen at by `start()` (when frozen). */
  readonly t0: number;
  private counter = 0;
  private counts: Database.Database | undefined;

  private constructor(
    readonly server: FastifyInstance,
    readonly dependencies: AppDependencies,
    readonly store: SqliteStore,
    readonly directory: string,
    readonly databasePath: string,
    readonly testKey: string,
    readonly liveKey: string,
    t0: number,
    /** Responses that did not match their documented schema (response-check.ts); `request` fails on the first. */
    private readonly responseProblems: ResponseProblem[],
  ) {
    this.t0 = t0;
  }

  static async start(options: TestApiOptions = {}): Promise<TestApi> {
    const directory = mkdtempSync(join(tmpdir(), 'creditbook-http-'));
    const databasePath = join(directory, 'api.db');
    const store = new SqliteStore(databasePath);
    await store.migrate();
    const dependencies = composeDependencies(store, {
      configuration: options.configure?.(defaultConfiguration()) ?? defaultConfiguration(),
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    });
    const testKey = (await createApiKey(dependencies, 'test')).key;
    const liveKey = (await createApiKey(dependencies, 'live')).key;
    const responseProblems: ResponseProblem[] = [];
    const server = await buildServer({ dependencies, logger: false, checkResponse: (problem) => responseProblems.push(problem) });
    await server.ready();
    const t0 = Math.ceil(Date.now() / HOUR) * HOUR + HOUR;
    const api = new TestApi(server, dependencies, store, directory, databasePath, testKey, liveKey, t0, responseProblems);
    if (options.freezeClock !== false) await api.advanceClock(t0);
    return api;
  }

  async close(): Promise<void> {
    this.counts?.close();
    await this.server.close();
    await this.store.close();
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** A fresh name for units, keys and the like, unique within this API. */
  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  async request(options: RequestOptions): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.testKey : options.key;
    if (key !== null && headers.authorization === undefined) headers.authorization = `Bearer ${key}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let payload: string | Buffer | undefined = options.payload;
    if (payload === undefined && options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const response = await this.server.inject({
      method: options.method,
      url: options.url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    const problem = this.responseProblems.shift();
    if (problem) assert.fail(`${problem.method} ${problem.route} answered ${problem.status} off its documented schema: ${problem.message}`);
    let body: Json;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body, text: response.body };
  }

  get(url: string, options: CallOptions = {}): Promise<ApiResponse> {
    return this.request({ ...options, method: 'GET', url });
  }

  post(url: string, body?: unknown, options: CallOptions = {}): Promise<ApiResponse> {
    return this.request({ ...options, method: 'POST', url, ...(body !== undefined ? { body } : {}) });
  }

  patch(url: string, body?: unknown, options: CallOptions = {}): Promise<ApiResponse> {
    return this.request({ ...options, method: 'PATCH', url, ...(body !== undefined ? { body } : {}) });
  }

  // Builders: each asserts success and returns the parsed body.

  async createUnit(input: { code?: string; scale?: number; name?: string } = {}, key?: string): Promise<Json> {
    const body = { code: input.code ?? this.unique('credits'), scale: input.scale ?? 2, ...(input.name !== undefined ? { name: input.name } : {}) };
    return expectStatus(await this.post('/v1/units', body, { key: key ?? this.testKey }), [200, 201]);
  }

  async createCustomer(input: Record<string, unknown> = {}, key?: string): Promise<Json> {
    return expectStatus(await this.post('/v1/customers', input, { key: key ?? this.testKey }), 201);
  }

  /** A new customer with a new unit (scale 2 unless given): the usual start of a wallet test. */
  async wallet(options: { scale?: number; key?: string } = {}): Promise<{ customerId: string; unit: string }> {
    const unit = await this.createUnit({ ...(options.scale !== undefined ? { scale: options.scale } : {}) }, options.key);
    const customer = await this.createCustomer({}, options.key);
    return { customerId: customer.id, unit: unit.code };
  }

  async grant(input: WalletInput & Record<string, unknown>, options: CallOptions = {}): Promise<Json> {
    return expectStatus(await this.post('/v1/grants', { amount: '100', ...input }, options), 201);
  }

  async debit(input: WalletInput & Record<string, unknown>, options: CallOptions = {}): Promise<Json> {
    return expectStatus(await this.post('/v1/debits', input, options), 201);
  }

  async hold(input: WalletInput & Record<string, unknown>, options: CallOptions = {}): Promise<Json> {
    return expectStatus(await this.post('/v1/holds', input, options), 201);
  }

  async balance(wallet: WalletInput & { at?: number | string }, options: CallOptions = {}): Promise<Json> {
    const query = new URLSearchParams({ customerId: wallet.customerId, unit: wallet.unit });
    if (wallet.walletKey) query.set('walletKey', wallet.walletKey);
    if (wallet.at !== undefined) query.set('at', typeof wallet.at === 'number' ? iso(wallet.at) : wallet.at);
    return expectStatus(await this.get(`/v1/balances?${query}`, options), 200);
  }

  /** Moves the test clock to `to` (and freezes it there). */
  async advanceClock(to: number): Promise<Json> {
    return expectStatus(await this.post('/v1/test-clock/advance', { to: iso(to) }), 200);
  }

  /** The test environment's current time, from GET /v1/test-clock. */
  async now(): Promise<number> {
    const clock = expectStatus(await this.get('/v1/test-clock'), 200);
    return Date.parse(clock.now);
  }

  private readConnection(): Database.Database {
    this.counts ??= new Database(this.databasePath, { readonly: true, fileMustExist: true });
    return this.counts;
  }

  /** Runs a read-only SQL query on a separate connection (for checks the API cannot show). */
  rows(sql: string, ...params: unknown[]): Json[] {
    return this.readConnection().prepare(sql).all(...params);
  }

  /** Row counts of every table, read through a separate connection. */
  tableCounts(): Record<string, number> {
    return countRows(this.readConnection());
  }

  /** Runs `action` and asserts that no table gained or lost a row. Returns what `action` returned. */
  async expectNoWrites<T>(action: () => Promise<T>): Promise<T> {
    const before = this.tableCounts();
    const result = await action();
    assert.deepEqual(this.tableCounts(), before, 'a rejected request must write nothing');
    return result;
  }
}

export function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  return TestApi.start(options);
}

/** Asserts the status (one of `expected`) and returns the body. */
export function expectStatus(response: ApiResponse, expected: number | number[]): Json {
  const allowed = Array.isArray(expected) ? expected : [expected];
  assert.ok(allowed.includes(response.status), `expected HTTP ${allowed.join(' or ')}, got ${response.status}: ${response.text}`);
  return response.body;
}

const ERROR_TYPES: Record<number, string[]> = {
  400: ['invalid_request_error'],
  401: ['authentication_error'],
  402: ['balance_error'],
  403: ['permission_error'],
  404: ['invalid_request_error'],
  409: ['idempotency_error', 'invalid_request_error'],
  413: ['invalid_request_error'],
  500: ['api_error'],
};

export interface ExpectedError {
  status: number;
  code: string;
  type?: string;
  /** The parameter the error must name; `null` asserts that it names none. */
  param?: string | null;
  /** A fragment the message must contain. */
  message?: string | RegExp;
}

/**
 * Asserts the documented error shape `{error:{type, code, message, param?, requestId}}`
 * (plus `details` on some errors), the status, and what it names. Returns the error object.
 */
export function expectError(response: ApiResponse, expected: ExpectedError): Json {
  assert.equal(response.status, expected.status, `expected HTTP ${expected.status} ${expected.code}, got ${response.status}: ${response.text}`);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.body;
  assert.ok(body && typeof body === 'object', `error body must be JSON: ${response.text}`);
  assert.deepEqual(Object.keys(body), ['error']);
  const error = body.error;
  for (const key of Object.keys(error)) {
    assert.ok(['type', 'code', 'message', 'param', 'details', 'requestId'].includes(key), `unexpected error field '${key}'`);
  }
  assert.equal(error.code, expected.code);
  if (expected.type !== undefined) assert.equal(error.type, expected.type);
  else assert.ok((ERROR_TYPES[expected.status] ?? []).includes(error.type), `unexpected error type '${error.type}' for ${expected.status}`);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0, 'error message must not be empty');
  assert.match(error.requestId, /^req_[0-9a-z]{26}$/);
  assert.equal(error.requestId, response.headers['request-id'], 'requestId matches the Request-Id header');
  if (expected.param === null) assert.equal(error.param, undefined, `expected no param, got '${error.param}'`);
  else if (expected.param !== undefined) assert.equal(error.param, expected.param);
  if (expected.message instanceof RegExp) assert.match(error.message, expected.message);
  else if (expected.message !== undefined) assert.ok(error.message.includes(expected.message), `message '${error.message}' should mention '${expected.message}'`);
  return error;
}

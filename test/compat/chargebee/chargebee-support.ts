import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Chargebee from 'chargebee';
import { apiClient, startServe, type ServedProcess } from '../../support/serve-process.ts';

/** The real `serve` command with the Chargebee dialect on its own port, on a temp SQLite file. */
export async function startChargebeeServe(): Promise<{
  served: ServedProcess;
  database: string;
  port: number;
  key: string;
  native: ReturnType<typeof apiClient>;
  stop: () => Promise<void>;
}> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-chargebee-'));
  const database = join(directory, 'chargebee.db');
  const served = await startServe({ database, args: ['--chargebee-port', '0'] });
  assert.ok(served.testKey, 'an empty database prints a test key');
  const url = served.dialectUrls.chargebee;
  assert.ok(url, 'serve prints the chargebee dialect address');
  return {
    served,
    database,
    port: Number(new URL(url).port),
    key: served.testKey,
    native: apiClient(served.baseUrl, served.testKey),
    stop: async () => {
      await served.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The official client, configured as the compat README says. */
export function chargebeeClient(port: number, apiKey: string, extra: Record<string, unknown> = {}): Chargebee {
  return new Chargebee({ site: '127.0.0.1', hostSuffix: '', protocol: 'http', port, apiKey, ...extra } as ConstructorParameters<typeof Chargebee>[0]);
}

export interface ChargebeeErrorExpectation {
  status: number;
  apiErrorCode: string;
  errorCode?: string;
  param?: string;
  message?: RegExp;
}

/** Awaits a call that must fail, checks Chargebee's error shape, and returns the error. */
export async function expectChargebeeError(call: Promise<unknown>, expected: ChargebeeErrorExpectation): Promise<Record<string, unknown>> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'the call must fail');
  const error = caught as Record<string, unknown>;
  assertShape(error, errorShape, 'error');
  assert.equal(error.http_status_code, expected.status, JSON.stringify(error));
  assert.equal(error.api_error_code, expected.apiErrorCode, JSON.stringify(error));
  if (expected.errorCode !== undefined) assert.equal(error.error_code, expected.errorCode, JSON.stringify(error));
  if (expected.param !== undefined) assert.equal(error.param, expected.param, JSON.stringify(error));
  if (expected.message !== undefined) assert.match(String(error.message), expected.message);
  return error;
}

/**
 * A field's kind: `decimal` is a non-negative decimal string ("12.5"), `seconds`
 * a unix timestamp in whole seconds; a leading `?` makes the field optional;
 * a nested Shape is an object; `[shape]` an array of it; a string array an enum.
 */
type Kind = 'string' | 'decimal' | 'seconds' | 'boolean' | 'number' | 'object' | 'any';
export interface Shape {
  [field: string]: Kind | `?${Kind}` | Shape | readonly string[] | { optional: Shape } | { optionalEnum: readonly string[] };
}

/** Fails on a missing, mistyped or unknown field. */
export function assertShape(value: unknown, shape: Shape, path = 'value'): void {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${path} must be an object`);
  const object = value as Record<string, unknown>;
  for (const [field, kind] of Object.entries(shape)) {
    const at = `${path}.${field}`;
    const item = object[field];
    if (typeof kind === 'string') {
      const optional = kind.startsWith('?');
      if (item === undefined) {
        assert.ok(optional, `${at} is missing`);
        continue;
      }
      checkKind(item, kind.replace('?', '') as Kind, at);
    } else if (Array.isArray(kind)) {
      assert.ok(kind.includes(item as string), `${at} is ${JSON.stringify(item)}, not one of ${kind.join(', ')}`);
    } else if ('optional' in kind) {
      if (item !== undefined) assertShape(item, kind.optional as Shape, at);
    } else if ('optionalEnum' in kind) {
      if (item !== undefined) assert.ok((kind.optionalEnum as readonly string[]).includes(item as string), `${at} is ${JSON.stringify(item)}`);
    } else {
      assertShape(item, kind as Shape, at);
    }
  }
  for (const field of Object.keys(object)) assert.ok(field in shape, `${path}.${field} is not a documented field`);
}

function checkKind(item: unknown, kind: Kind, at: string): void {
  switch (kind) {
    case 'decimal':
      assert.ok(typeof item === 'string' && /^\d{1,25}(\.\d{1,10})?$/.test(item), `${at} must be a decimal string, got ${JSON.stringify(item)}`);
      return;
    case 'seconds':
      assert.ok(Number.isSafeInteger(item) && (item as number) > 1_000_000_000 && (item as number) < 100_000_000_000, `${at} must be unix seconds, got ${item}`);
      return;
    case 'object':
      assert.ok(item !== null && typeof item === 'object', `${at} must be an object`);
      return;
    case 'any':
      return;
    default:
      assert.equal(typeof item, kind, `${at} must be a ${kind}`);
  }
}

export function assertEach(items: unknown, shape: Shape, path: string): void {
  assert.ok(Array.isArray(items), `${path} must be an array`);
  items.forEach((item, index) => assertShape(item, shape, `${path}[${index}]`));
}

/** From the client's types/resources/*.d.ts. */
export const grantBlockShape: Shape = {
  id: 'string',
  subscription_id: '?string',
  account_type: { optionalEnum: ['provisioned', 'overdraft'] },
  unit_id: '?string',
  unit_type: { optionalEnum: ['credit_unit'] },
  granted_amount: 'decimal',
  effective_from: 'seconds',
  expires_at: 'seconds',
  balance: 'decimal',
  hold_amount: 'decimal',
  used_amount: 'decimal',
  expired_amount: 'decimal',
  rolled_over_amount: 'decimal',
  voided_amount: 'decimal',
  origin_grant_block_id: '?string',
  status: ['active', 'archived', 'deleted', 'available', 'exhausted', 'scheduled', 'in_grace_period'],
  grant_source: ['subscription_created', 'subscription_changed', 'top_up', 'promotional_grants', 'rollover', 'grant_renewal', 'subscription_renewed'],
  created_at: 'seconds',
  modified_at: 'seconds',
  resource_version: '?number',
  metadata: '?any',
};

export const ledgerOperationShape: Shape = {
  id: 'string',
  subscription_id: '?string',
  unit_id: '?string',
  unit_type: { optionalEnum: ['credit_unit'] },
  type: ['allocation', 'capture', 'authorize', 'release_authorization', 'capture_authorization', 'expiry', 'void', 'rollover', 'adjustment'],
  amount: 'decimal',
  provisioned_start_balance: 'decimal',
  provisioned_end_balance: 'decimal',
  overdraft_start_balance: 'decimal',
  overdraft_end_balance: 'decimal',
  parent_ledger_operation_id: '?string',
  ledger_operation_timestamp: 'seconds',
  auto_release_timestamp: '?seconds',
  created_at: 'seconds',
  modified_at: 'seconds',
  metadata: '?any',
};

export const ledgerEntryShape: Shape = {
  id: 'string',
  subscription_id: '?string',
  account_type: { optionalEnum: ['provisioned', 'overdraft'] },
  unit_id: '?string',
  unit_type: { optionalEnum: ['credit_unit'] },
  amount: 'decimal',
  grant_block_start_balance: 'decimal',
  grant_block_end_balance: 'decimal',
  account_start_balance: 'decimal',
  account_end_balance: 'decimal',
  type: ['credit', 'debit', 'hold', 'unhold'],
  ledger_operation_id: 'string',
  // Required in the client's types; Creditbook leaves it out on overdraft-account entries (no overdraft blocks).
  grant_block_id: '?string',
  created_at: 'seconds',
  modified_at: 'seconds',
};

export const ledgerAccountBalanceShape: Shape = {
  subscription_id: 'string',
  unit_id: 'string',
  unit_type: ['credit_unit'],
  created_at: 'seconds',
  modified_at: 'seconds',
  resource_version: '?number',
  provisioned_balance: { optional: { total_balance: 'decimal', usable_balance: 'decimal', hold_amount: 'decimal' } },
  overdraft_balance: {
    optional: { is_unlimited: 'boolean', limit: '?decimal', total_balance: '?decimal', usable_balance: '?decimal', used_amount: 'decimal', hold_amount: 'decimal' },
  },
};

export const creditUnitShape: Shape = {
  id: 'string',
  name: 'string',
  external_name: 'string',
  status: { optionalEnum: ['active', 'archived'] },
  resource_version: '?number',
  updated_at: '?seconds',
  created_at: 'seconds',
  created_by: '?string',
  updated_by: '?string',
  is_unlimited: 'boolean',
  overdraft_amount: '?decimal',
};

/** The body fields plus what the client adds to every response and error. */
const clientAdded: Shape = { isIdempotencyReplayed: '?any', headers: '?object', httpStatusCode: '?number' };

export const errorShape: Shape = {
  message: 'string',
  type: '?string',
  api_error_code: 'string',
  param: '?string',
  error_code: 'string',
  http_status_code: 'number',
  headers: '?object',
};

export function responseShape(shape: Shape): Shape {
  return { ...shape, ...clientAdded };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

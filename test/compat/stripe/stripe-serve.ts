import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { apiClient, runCli, startServe, type ServedProcess } from '../../support/serve-process.ts';

/**
 * The real `creditbook serve` command on a temp SQLite file, with the Stripe
 * dialect on its own port (`--stripe-port 0`), and the official `stripe` client
 * pointed at it.
 */
export interface StripeServe {
  served: ServedProcess;
  database: string;
  key: string;
  /** http://127.0.0.1:<port> of the Stripe dialect. */
  stripeUrl: string;
  stripePort: number;
  stripe: Stripe;
  /** The native API on the main port, with the same key. */
  native: ReturnType<typeof apiClient>;
  client: (key: string, config?: Stripe.StripeConfig) => Stripe;
  createLiveKey: () => string;
  stop: () => Promise<void>;
}

export async function startStripeServe(): Promise<StripeServe> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-stripe-'));
  const database = join(directory, 'stripe.db');
  const served = await startServe({ database, args: ['--stripe-port', '0'] });
  const stripeUrl = served.dialectUrls.stripe;
  assert.ok(stripeUrl, `the stripe dialect did not report its address:\n${served.output()}`);
  const stripePort = Number(new URL(stripeUrl).port);
  assert.ok(served.testKey, 'an empty database prints a test key');
  const key = served.testKey;
  const client = (clientKey: string, config: Stripe.StripeConfig = {}) =>
    new Stripe(clientKey, { host: '127.0.0.1', port: stripePort, protocol: 'http', telemetry: false, ...config });
  return {
    served,
    database,
    key,
    stripeUrl,
    stripePort,
    stripe: client(key),
    native: apiClient(served.baseUrl, key),
    client,
    createLiveKey: () => {
      const result = runCli(['keys', 'create', '--env', 'live', '--db', database]);
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim();
    },
    stop: async () => {
      await served.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A raw form-encoded request to the Stripe dialect, for what the client cannot send (bad auth, JSON bodies). */
export async function rawStripe(
  stripeUrl: string,
  request: { method: 'GET' | 'POST'; path: string; key?: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${stripeUrl}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.key === undefined ? {} : { authorization: `Bearer ${request.key}` }),
      ...(request.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

/** Stripe's create-grant parameters for `amount` minor units of `currency`. */
export function grantParams(customer: string, value: number, currency = 'usd', extra: Partial<Stripe.Billing.CreditGrantCreateParams> = {}): Stripe.Billing.CreditGrantCreateParams {
  return {
    customer,
    amount: { type: 'monetary', monetary: { currency, value } },
    applicability_config: { scope: { price_type: 'metered' } },
    category: 'paid',
    ...extra,
  };
}

/** Awaits a promise that must reject with a Stripe error; returns the error. */
export async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeError, `expected a StripeError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

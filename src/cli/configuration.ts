import { parseEncryptionKey } from '../app/secret-box.ts';
import type { DialectName } from '../compat/dialect.ts';
import { dialectNames } from '../compat/dialects.ts';
import type { PaymentSettings } from '../payments/payments.ts';
import { DEFAULT_DATABASE } from '../store/open-store.ts';
import { DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from '../webhooks/delivery-settings.ts';
import { NO_ALLOWED_HOSTS, parseAllowedHosts, type AllowedHosts } from '../webhooks/outbound-address.ts';

/**
 * Everything a Creditbook process is told from outside, read once, here, from
 * flags and environment variables (flags win). Nothing else reads `process.env`:
 * the composition root (`composition-root.ts`) hands each part what it needs,
 * and a test builds any configuration from `defaultConfiguration()`.
 *
 * To add a setting: a field in the section it belongs to (or a new section),
 * its default in `defaultConfiguration`, and its variable in `readConfiguration`.
 */
export interface Configuration {
  /** A SQLite file path, or `postgres://…`. */
  database: string;
  server: {
    port: number;
    host: string;
    /** pino level of every server's log. */
    logLevel: string;
    /** Requests a second per API key on each node (429 beyond it); 0: no limit. */
    rateLimitPerSecond: number;
    /** Where customers' browsers reach this server; null: the address it listens on. */
    publicUrl: string | null;
  };
  dialects: {
    /** Dialects served at the root of their own port. */
    ports: Partial<Record<DialectName, number>>;
    /** Dialects mounted under /compat/<vendor> on the main port. */
    mounted: DialectName[];
  };
  payments: PaymentSettings;
  webhooks: DeliverySettings;
  /** Internal hosts and networks webhooks may reach all the same (WEBHOOK_ALLOWED_HOSTS); by default none. */
  webhookAllowedHosts: AllowedHosts;
  /** ENCRYPTION_KEY: when set, webhook secrets and payment providers' references are encrypted at rest (AES-256-GCM). */
  encryptionKey: Buffer | null;
  /** How often each node runs purchase expiry, auto top-ups and webhook delivery. */
  backgroundIntervalMs: number;
  metrics: {
    /** When set, /metrics answers only `Authorization: Bearer <key>`. */
    key: string | null;
    /** When set, /metrics is served only there, not on the main port. */
    address: { host: string; port: number } | null;
  };
}

/** Command-line flags that override environment variables (see `creditbook --help`). */
export type ConfigurationFlags = Partial<Record<'db' | 'port' | 'host' | 'compat' | 'rate-limit' | 'metrics-key' | 'metrics-address' | `${DialectName}-port`, string>>;

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PAYMENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The configuration of a process given no flags and no environment. */
export function defaultConfiguration(): Configuration {
  return {
    database: DEFAULT_DATABASE,
    server: { port: 8080, host: '127.0.0.1', logLevel: 'info', rateLimitPerSecond: 0, publicUrl: null },
    dialects: { ports: {}, mounted: [] },
    payments: { defaultCurrency: 'usd', paymentWindowMs: DEFAULT_PAYMENT_WINDOW_MS, stripe: null },
    webhooks: { ...DEFAULT_DELIVERY_SETTINGS },
    webhookAllowedHosts: NO_ALLOWED_HOSTS,
    encryptionKey: null,
    backgroundIntervalMs: 1000,
    metrics: { key: null, address: null },
  };
}

/** Reads flags and environment variables; a malformed value is an error naming it. */
export function readConfiguration(flags: ConfigurationFlags, environment: Environment): Configuration {
  const defaults = defaultConfiguration();
  const setting = (flag: keyof ConfigurationFlags | null, variable: string): string | undefined => {
    const value = (flag === null ? undefined : flags[flag]) ?? environment[variable];
    return value === '' ? undefined : value;
  };
  const ports: Partial<Record<DialectName, number>> = {};
  for (const name of dialectNames) {
    const value = setting(`${name}-port`, `${name.toUpperCase()}_PORT`);
    if (value !== undefined) ports[name] = parsePort(value, `${name}-port`);
  }
  const mounted = (setting('compat', 'COMPAT') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of mounted) {
    if (!dialectNames.includes(name as DialectName)) throw new Error(`Unknown dialect '${name}' in --compat; choose from ${dialectNames.join(', ')}.`);
  }
  const encryptionKey = setting(null, 'ENCRYPTION_KEY');
  const rateLimit = setting('rate-limit', 'RATE_LIMIT');
  const rateLimitPerSecond = rateLimit === undefined ? 0 : Number(rateLimit);
  if (!Number.isFinite(rateLimitPerSecond) || rateLimitPerSecond < 0) throw new Error(`Invalid --rate-limit: ${rateLimit}`);
  const positive = (variable: string, fallback: number): number => {
    const value = setting(null, variable);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${variable} must be a positive integer, not '${value}'.`);
    return number;
  };
  return {
    database: setting('db', 'DATABASE_URL') ?? defaults.database,
    server: {
      port: parsePort(setting('port', 'PORT') ?? String(defaults.server.port), 'port'),
      host: setting('host', 'HOST') ?? defaults.server.host,
      logLevel: setting(null, 'LOG_LEVEL') ?? defaults.server.logLevel,
      rateLimitPerSecond,
      publicUrl: setting(null, 'PUBLIC_URL') ?? null,
    },
    dialects: { ports, mounted: mounted as DialectName[] },
    payments: {
      defaultCurrency: (setting(null, 'DEFAULT_CURRENCY') ?? defaults.payments.defaultCurrency).toLowerCase(),
      paymentWindowMs: defaults.payments.paymentWindowMs,
      stripe: stripeSettings(environment),
    },
    webhooks: {
      retryBaseMs: positive('WEBHOOK_RETRY_BASE_MS', defaults.webhooks.retryBaseMs),
      retryMaxMs: positive('WEBHOOK_RETRY_MAX_MS', defaults.webhooks.retryMaxMs),
      maxAttempts: positive('WEBHOOK_MAX_ATTEMPTS', defaults.webhooks.maxAttempts),
      timeoutMs: positive('WEBHOOK_TIMEOUT_MS', defaults.webhooks.timeoutMs),
      concurrency: defaults.webhooks.concurrency,
    },
    webhookAllowedHosts: parseAllowedHosts(setting(null, 'WEBHOOK_ALLOWED_HOSTS')),
    encryptionKey: encryptionKey === undefined ? null : parseEncryptionKey(encryptionKey),
    backgroundIntervalMs: positive('BACKGROUND_INTERVAL_MS', defaults.backgroundIntervalMs),
    metrics: { key: setting('metrics-key', 'METRICS_KEY') ?? null, address: parseAddress(setting('metrics-address', 'METRICS_ADDRESS')) },
  };
}

/** STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET enable Stripe; STRIPE_API_HOST / _PORT / _PROTOCOL point its client elsewhere. */
function stripeSettings(environment: Environment): PaymentSettings['stripe'] {
  const secretKey = environment.STRIPE_SECRET_KEY;
  const webhookSecret = environment.STRIPE_WEBHOOK_SECRET;
  const protocol = environment.STRIPE_API_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') throw new Error(`STRIPE_API_PROTOCOL must be http or https, not '${protocol}'.`);
  if (!secretKey || !webhookSecret) return null;
  return {
    secretKey,
    webhookSecret,
    ...(environment.STRIPE_API_HOST ? { host: environment.STRIPE_API_HOST } : {}),
    ...(environment.STRIPE_API_PORT ? { port: Number(environment.STRIPE_API_PORT) } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

function parseAddress(value: string | undefined): { host: string; port: number } | null {
  if (value === undefined) return null;
  const separator = value.lastIndexOf(':');
  if (separator <= 0) throw new Error(`Invalid --metrics-address: ${value} (expected host:port)`);
  return { host: value.slice(0, separator).replace(/^\[(.*)\]$/, '$1'), port: parsePort(value.slice(separator + 1), 'metrics-address') };
}

function parsePort(value: string, option: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid --${option}: ${value}`);
  return port;
}

import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Observer, WebhookAttemptObservation } from '../app/observer.ts';

type Log = { warn(fields: object, message: string): void };

/** The headers by which each surface marks an idempotent replay. */
const REPLAY_HEADERS = ['idempotent-replayed', 'chargebee-idempotency-replayed'];

/**
 * One Prometheus registry per process, for every surface: the main port and each
 * dialect's own port record requests and operations here (`track`), the main
 * port serves them at /metrics (`serve`), and background work reports through
 * `observer` (webhook attempts, sweeps), which also logs each failed attempt.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly durations: Histogram<'surface' | 'method' | 'route' | 'status'>;
  private readonly operations: Counter<'surface' | 'operation' | 'outcome'>;
  private readonly webhookAttempts: Counter<'outcome'>;
  private readonly webhookLatency: Histogram<'outcome'>;
  private readonly sweeps: Counter;
  private log: Log | undefined;

  constructor(options: { backlog: () => Promise<number> }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.durations = new Histogram({
      name: 'creditbook_http_request_duration_seconds',
      help: 'HTTP request duration by surface (native or a dialect), method, route and status.',
      labelNames: ['surface', 'method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.operations = new Counter({
      name: 'creditbook_operations_total',
      help: 'Operations by surface, operation (method and route) and outcome: ok, replayed (idempotent replay), insufficient_balance (402), conflict (409), rejected (other 4xx), error (5xx).',
      labelNames: ['surface', 'operation', 'outcome'],
      registers,
    });
    this.webhookAttempts = new Counter({
      name: 'creditbook_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered, retrying (failed, retried later), failed (the last attempt failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookLatency = new Histogram({
      name: 'creditbook_webhook_attempt_duration_seconds',
      help: 'How long a webhook receiver took to answer (or to fail), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sweeps = new Counter({ name: 'creditbook_sweep_wallets_booked_total', help: 'Wallets whose due time events a sweep booked.', registers });
    new Gauge({
      name: 'creditbook_webhook_backlog',
      help: 'Webhook deliveries still to be sent (pending), in every environment.',
      registers,
      async collect() {
        this.set(await options.backlog());
      },
    });
  }

  /** Where failed webhook attempts are logged (the main server's logger, once it exists). */
  logTo(log: Log): void {
    this.log = log;
  }

  readonly observer: Observer = {
    webhookAttempt: (observation: WebhookAttemptObservation) => {
      this.webhookAttempts.inc({ outcome: observation.outcome });
      this.webhookLatency.observe({ outcome: observation.outcome }, observation.seconds);
      if (observation.outcome !== 'delivered') this.log?.warn({ webhook: observation }, `webhook delivery attempt ${observation.attempt} failed: ${observation.error ?? 'no answer'}`);
    },
    sweepBooked: (wallets) => {
      if (wallets > 0) this.sweeps.inc(wallets);
    },
  };

  /** Records every request of `server` (a surface: `native`, `stripe`, …). */
  track(server: FastifyInstance, surface: string): void {
    // Each combination's series, bound once: prom-client hashes a label object on every call, a bound child does not.
    // Bounded: methods are those Node's parser accepts, routes the registered patterns (or `unknown`), statuses ours.
    const recorders = new Map<string, (seconds: number) => void>();
    // A callback hook: it never waits, and an async hook costs every request a promise and a turn.
    server.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unknown';
      const status = reply.statusCode;
      const isOperation = request.method !== 'GET' && request.method !== 'HEAD' && route !== 'unknown';
      const replayed = isOperation && REPLAY_HEADERS.some((header) => reply.getHeader(header) === 'true');
      const key = `${request.method} ${route} ${status} ${replayed}`;
      let record = recorders.get(key);
      if (!record) {
        record = this.recorder(surface, request.method, route, status, isOperation ? outcomeOf(status, replayed) : undefined);
        recorders.set(key, record);
      }
      record(reply.elapsedTime / 1000);
      done();
    });
  }

  /** Records one response: its duration, and the operation's outcome when it is one. */
  private recorder(surface: string, method: string, route: string, status: number, outcome: string | undefined): (seconds: number) => void {
    const duration = this.durations.labels({ surface, method, route, status: String(status) });
    const operation = outcome === undefined ? undefined : this.operations.labels({ surface, operation: `${method} ${route}`, outcome });
    return (seconds) => {
      duration.observe(seconds);
      operation?.inc();
    };
  }

  /** GET /metrics on `server`; with `key`, only for `Authorization: Bearer <key>` (401 otherwise). */
  serve(server: FastifyInstance, key?: string): void {
    server.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (key !== undefined && !presentsKey(request.headers.authorization, key)) {
        reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return reply.code(401).send({ error: { type: 'authentication_error', code: 'unauthenticated', message: 'Send the metrics key as `Authorization: Bearer <key>`.', requestId: request.id } });
      }
      reply.header('Content-Type', this.registry.contentType);
      return this.registry.metrics();
    });
  }
}

/** Who may read /metrics: with `key`, only a scraper presenting it as a bearer token; with `ownAddress`, not on the main port at all. */
export interface MetricsAccess {
  key?: string | undefined;
  ownAddress?: boolean;
}

/** Compares digests, so the check takes the same time whatever was presented. */
function presentsKey(authorization: string | undefined, key: string): boolean {
  const presented = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(key));
}

/** /metrics alone on its own address (an interface only the scraper reaches), optionally behind `key`. */
export async function listenMetrics(metrics: Metrics, options: { host: string; port: number; key?: string | undefined }): Promise<{ server: FastifyInstance; address: string }> {
  const server = Fastify({ logger: false });
  metrics.serve(server, options.key);
  const address = await server.listen({ host: options.host, port: options.port });
  return { server, address };
}

function outcomeOf(status: number, replayed: boolean): string {
  if (status >= 500) return 'error';
  if (status === 402) return 'insufficient_balance';
  if (status === 409) return 'conflict';
  if (status >= 400) return 'rejected';
  return replayed ? 'replayed' : 'ok';
}

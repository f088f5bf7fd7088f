import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { AppDependencies } from '../app/dependencies.ts';
import { CreditbookError } from '../domain/errors.ts';
import { clientErrorResponder } from './client-errors.ts';
import { attachDeferredCompiles, DeferredCompiles, deferredSerializerOption } from './deferred-compile.ts';
import type { SendError } from './errors.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The log levels that write the per-request line (logged at `info`). */
const LEVELS_WITH_REQUEST_LINES = new Set(['info', 'debug', 'trace']);

/** A server's log: its pino level and, from `serve`, the one asynchronous stdout stream every port writes to. */
export type EdgeLogger = boolean | { level: string; stream?: DestinationStream };

/**
 * A Fastify server as every edge needs one, on the main port or a dialect's
 * own: request IDs from the app's ID factory (`req_…`, also the `Request-Id`
 * header of every response), one log line per request, 1 MiB bodies, and the
 * router's own errors (a malformed %-escape in the path, a parameter beyond
 * maxParamLength) in the edge's error shape (`sendError`).
 */
export function createEdgeServer(options: {
  newId: AppDependencies['newId'];
  logger: EdgeLogger;
  sendError: SendError;
  /** The edge's status and body for a request Node cannot parse (client-errors.ts). */
  clientErrorResponse: (error: CreditbookError, requestId: string) => { status: number; body: unknown };
}): FastifyInstance {
  const deferred = new DeferredCompiles();
  const server = Fastify({
    logger: options.logger,
    genReqId: () => options.newId('req'),
    // One log line per request is written in onResponse instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // The request line is written through the root logger (below); a request's own child logger is made only if it logs.
    childLoggerFactory: (logger, bindings, childOptions) => new LazyChildLogger(() => logger.child(bindings, childOptions)) as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Longer than any ID (at most 100), so an over-long `:id` reaches validation: a 400 naming it, not a bare 414.
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error, request, reply) => {
      reply.header('Request-Id', request.id);
      options.sendError(reply, request, new CreditbookError('validation_error', `The URL is not valid: ${error.message}`));
    },
    // verbose: a violation carries its schema, so an error can quote the schema's description of what is allowed.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: false, verbose: true } },
    clientErrorHandler: clientErrorResponder(options.clientErrorResponse, () => options.newId('req')),
    // Response serializers compile on first use, the rest once the server listens (deferred-compile.ts).
    schemaController: deferredSerializerOption(deferred),
  });
  attachDeferredCompiles(server, deferred);
  server.addHook('onRequest', (request, reply, done) => {
    reply.header('Request-Id', request.id);
    done();
  });
  // One line per request, through the root logger with the request ID as a field (the line a child would write).
  server.addHook('onResponse', (request, reply, done) => {
    // Above `info` (warn, error, silent) the line is not even built.
    if (LEVELS_WITH_REQUEST_LINES.has(server.log.level)) server.log.info({ requestId: request.id, method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  return server;
}

/**
 * A request's logger, made on first use: Fastify makes one per request, and
 * nearly every request logs nothing through it (pino's `child` costs about a
 * microsecond).
 */
class LazyChildLogger {
  private logger: FastifyBaseLogger | undefined;

  constructor(private readonly make: () => FastifyBaseLogger) {}

  private get real(): FastifyBaseLogger {
    return (this.logger ??= this.make());
  }

  get level(): string {
    return this.real.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  child(...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.real.child(...args);
  }

  fatal(...args: Parameters<FastifyBaseLogger['fatal']>): void {
    this.real.fatal(...args);
  }

  error(...args: Parameters<FastifyBaseLogger['error']>): void {
    this.real.error(...args);
  }

  warn(...args: Parameters<FastifyBaseLogger['warn']>): void {
    this.real.warn(...args);
  }

  info(...args: Parameters<FastifyBaseLogger['info']>): void {
    this.real.info(...args);
  }

  debug(...args: Parameters<FastifyBaseLogger['debug']>): void {
    this.real.debug(...args);
  }

  trace(...args: Parameters<FastifyBaseLogger['trace']>): void {
    this.real.trace(...args);
  }

  silent(...args: Parameters<FastifyBaseLogger['silent']>): void {
    this.real.silent(...args);
  }
}

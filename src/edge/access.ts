import type { FastifyInstance } from 'fastify';
import { ApiKeyAuthenticator } from '../app/api-keys.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import type { Scope } from '../app/scopes.ts';
import { RateLimiter } from './rate-limit.ts';
import { refuseUnsafeText } from './unsafe-text.ts';
import { refuseBadQueryEscapes } from './utf8-text.ts';

/**
 * What every authenticated surface of a node shares (the native API, each
 * dialect on its own port or mounted under /compat), so a key is treated the
 * same everywhere: one authenticator, and one rate limiter whose buckets are
 * per API key across all of them.
 */
export interface EdgeAccess {
  authenticator: ApiKeyAuthenticator;
  rateLimiter: RateLimiter | undefined;
}

export function createEdgeAccess(dependencies: AppDependencies, options: { rateLimitPerSecond?: number | undefined } = {}): EdgeAccess {
  return {
    authenticator: new ApiKeyAuthenticator(dependencies),
    rateLimiter: options.rateLimitPerSecond ? new RateLimiter(options.rateLimitPerSecond) : undefined,
  };
}

/** The scope a route needs, from its method and URL pattern; undefined when no rule covers it. */
export type ScopeRule = (method: string, url: string) => Scope | undefined;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope this route needs (set by installEdgeChecks). */
    scope?: Scope;
  }
}

/** Reads need `read`; writes need the scope of the resource they change. */
export function readOrWrite(method: string, write: Scope | undefined): Scope | undefined {
  return method === 'GET' ? 'read' : write;
}

/**
 * What every authenticated surface checks on each of its routes registered from
 * now on (call it before they are registered):
 * - the scope each route needs (checked by `authenticateRequest`); a route that
 *   no rule covers stops the server from starting, so no route is ever
 *   reachable without a scope check;
 * - no NUL or unpaired surrogate anywhere in the path, query or body (unsafe-text.ts), and no percent escape
 *   in the query that is malformed or does not decode as UTF-8 (utf8-text.ts; bodies are checked by their parsers).
 *   Here, not in a `querystringParser`: the router calls that before any hook, where a throw is no request's error.
 */
export function installEdgeChecks(server: FastifyInstance, surface: string, scopeOf: ScopeRule): void {
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const needed = new Set(methods.map((method) => scopeOf(method === 'HEAD' ? 'GET' : method, route.url)));
    const [scope] = needed;
    if (needed.size !== 1 || scope === undefined) throw new Error(`No single scope rule covers ${surface} ${methods.join(',')} ${route.url}.`);
    route.config = { ...route.config, scope };
  });
  // A callback hook, not an async one: it never waits, and an async hook costs every request a promise and a turn.
  // Fastify passes a synchronous throw on as the request's error.
  server.addHook('preValidation', (request, _reply, done) => {
    refuseUnsafeText(request.params, 'path');
    const url = request.raw.url ?? '';
    const queryStart = url.indexOf('?');
    // Most queries hold no escape: only those are copied and checked.
    if (queryStart !== -1 && url.includes('%', queryStart)) refuseBadQueryEscapes(url.slice(queryStart + 1));
    refuseUnsafeText(request.query, 'query');
    refuseUnsafeText(request.body, 'body');
    done();
  });
}

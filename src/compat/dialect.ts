import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../app/dependencies.ts';
import type { EdgeAccess, ScopeRule } from '../edge/access.ts';
import type { ErrorResponse } from '../edge/errors.ts';

export type DialectName = 'stripe' | 'chargebee' | 'stigg' | 'paygentic';

/**
 * A vendor API spoken over the same engine: a thin translation onto `app/`,
 * with no credit logic of its own.
 *
 * `register` installs the dialect's routes at the vendor's own paths into an
 * encapsulated Fastify context, together with its own body parsers, auth and
 * error handler (vendor error shape; one mapping from our error codes to the
 * vendor's statuses per dialect). The same plugin serves a dialect at the root
 * of its own port and, where the vendor's client accepts a base path, under
 * `/compat/<vendor>` on the main port.
 */
export interface Dialect {
  name: DialectName;
  /** Whether the vendor's official client can add a path prefix (so the dialect may be mounted on the main port). */
  acceptsBasePath: boolean;
  /** `access` authenticates, rate-limits and checks each route's scope (`scopeOf`), shared with every surface of the node. */
  register(server: FastifyInstance, dependencies: AppDependencies, access: EdgeAccess): Promise<void>;
  /** The scope each of this dialect's routes needs (app/scopes.ts). */
  scopeOf: ScopeRule;
  /** The vendor's status and body for an error: the dialect's one mapping of error codes, also for errors raised before a route runs. */
  errorResponse: ErrorResponse;
}

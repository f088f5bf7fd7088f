import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../app/dependencies.ts';
import { installEdgeChecks, type EdgeAccess } from '../edge/access.ts';
import { createEdgeServer, type EdgeLogger } from '../edge/edge-server.ts';
import { sendErrorResponse } from '../edge/errors.ts';
import type { Metrics } from '../edge/metrics.ts';
import type { DialectName } from './dialect.ts';
import { loadDialect } from './dialects.ts';

export interface DialectOptions {
  /** Dialects served at the root of their own port. */
  ports: Partial<Record<DialectName, number>>;
  /** Dialects mounted under /compat/<vendor> on the main server (only those whose clients accept a base path). */
  mounted: DialectName[];
}

/** Mounts dialects on the main server under /compat/<vendor>. Call before the main server listens. */
export async function mountDialects(server: FastifyInstance, dependencies: AppDependencies, access: EdgeAccess, names: DialectName[]): Promise<void> {
  for (const name of names) {
    const dialect = await loadDialect(name);
    if (!dialect.acceptsBasePath) {
      throw new Error(`The ${name} client cannot add a path prefix; serve it on its own port with --${name}-port.`);
    }
    await server.register(
      async (scope) => {
        installEdgeChecks(scope, name, (method, url) => dialect.scopeOf(method, url.slice(`/compat/${name}`.length)));
        await dialect.register(scope, dependencies, access);
      },
      { prefix: `/compat/${name}` },
    );
  }
}

/** Starts one server per dialect on its own port, at the root, as the vendor's client expects. */
export async function serveDialectPorts(
  dependencies: AppDependencies,
  access: EdgeAccess,
  options: { ports: Partial<Record<DialectName, number>>; host: string; logger: EdgeLogger; metrics: Metrics },
): Promise<Array<{ name: DialectName; server: FastifyInstance; address: string }>> {
  const started: Array<{ name: DialectName; server: FastifyInstance; address: string }> = [];
  for (const [name, port] of Object.entries(options.ports) as Array<[DialectName, number]>) {
    const dialect = await loadDialect(name);
    // As on the main server: request IDs, one log line per request, and router errors in the vendor's shape.
    const server = createEdgeServer({
      newId: dependencies.newId,
      logger: options.logger,
      sendError: sendErrorResponse(dialect.errorResponse),
      clientErrorResponse: dialect.errorResponse,
    });
    // Counted with the main port's metrics, as surface `<name>` (served at the main port's /metrics).
    options.metrics.track(server, name);
    await server.register(async (scope) => {
      installEdgeChecks(scope, name, dialect.scopeOf);
      await dialect.register(scope, dependencies, access);
    });
    const address = await server.listen({ port, host: options.host });
    started.push({ name, server, address });
  }
  return started;
}

import type { FastifyInstance } from 'fastify';
import packageJson from '../../../package.json' with { type: 'json' };
import type { RouteDependencies } from '../route-support.ts';

export function registerSystemRoutes(server: FastifyInstance, dependencies: RouteDependencies): void {
  // Reads the store, so a health check fails when the database does not answer.
  server.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', version: packageJson.version, ...(await dependencies.app.store.health()) }));
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
}

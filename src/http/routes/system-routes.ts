import type { FastifyInstance } from 'fastify';
import packageJson from '../../../package.json' with { type: 'json' };
import { storeHealth } from '../../app/health.ts';
import type { RouteDependencies } from '../route-support.ts';

export function registerSystemRoutes(server: FastifyInstance, dependencies: RouteDependencies): void {
  server.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', version: packageJson.version, ...(await storeHealth(dependencies.app)) }));
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
}

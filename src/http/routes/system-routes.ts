import type { FastifyInstance } from 'fastify';

export function registerSystemRoutes(server: FastifyInstance): void {
  server.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
}

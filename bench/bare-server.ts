import Fastify from 'fastify';

/**
 * The HTTP baseline, run as its own process: bare Fastify (no logger, no
 * schemas, no auth, no database) whose routes parse the same request (JSON body
 * or query string) and return a small constant JSON. It is what any Node HTTP
 * service on this machine pays before doing any work.
 */
const server = Fastify({ logger: false });
const debitResponse = { object: 'debit', id: 'dbt_baseline', amount: '1' };
const balanceResponse = { object: 'balance', available: '100', held: '0' };
const checkResponse = { object: 'entitlement_check', allowed: true, cost: '0.28', available: '100', reason: 'ok' };

server.get('/healthz', async () => ({ status: 'ok' }));
server.post('/v1/debits', async (request, reply) => {
  if (typeof request.body !== 'object' || request.body === null) return reply.code(400).send({ error: 'body' });
  return reply.code(201).send(debitResponse);
});
server.post('/v1/entitlements/check', async (request, reply) => {
  if (typeof request.body !== 'object' || request.body === null) return reply.code(400).send({ error: 'body' });
  return checkResponse;
});
server.get('/v1/balances', async (request, reply) => {
  const query = request.query as Record<string, string | undefined>;
  if (!query.customerId) return reply.code(400).send({ error: 'customerId' });
  return balanceResponse;
});

await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}

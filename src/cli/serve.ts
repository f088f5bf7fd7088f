import { createApiKey, isEmptyDatabase } from '../app/api-keys.ts';
import { createDependencies } from '../app/dependencies.ts';
import { sweepDueEvents } from '../app/time-events.ts';
import { mountDialects, serveDialectPorts, type DialectOptions } from '../compat/serve-dialects.ts';
import { buildServer } from '../http/server.ts';
import { openStore } from '../store/open-store.ts';
import { startPaymentsAndWebhooks } from '../webhooks/background-work.ts';

/** How often each node looks for due expiries; booking is exact-timed however late it runs. */
export const SWEEP_INTERVAL_MS = 1000;

export async function serve(options: { database: string; port: number; host: string; dialects: DialectOptions; rateLimitPerSecond?: number }): Promise<void> {
  const store = await openStore(options.database);
  await store.migrate();
  const dependencies = createDependencies(store);
  if (await isEmptyDatabase(dependencies)) {
    const { key } = await createApiKey(dependencies, 'test');
    console.log(`Created a test environment. Test API key (shown once): ${key}`);
  }
  const server = await buildServer({ dependencies, ...(options.rateLimitPerSecond ? { rateLimitPerSecond: options.rateLimitPerSecond } : {}) });
  await mountDialects(server, dependencies, options.dialects.mounted);
  let sweeping = false;
  let sweeps = 0;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweeps += 1;
    // Idempotency keys other than grant keys are kept 24 hours; purge once a minute.
    const purge = sweeps % 60 === 0 ? store.transaction((repository) => repository.idempotency.deleteExpired(dependencies.clock.now())) : Promise.resolve(0);
    Promise.all([purge, sweepDueEvents(dependencies)])
      .catch((error: unknown) => server.log.error({ err: error }, 'expiry sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref();
  const address = await server.listen({ port: options.port, host: options.host });
  console.log(`Creditbook listening on ${address} (database: ${options.database})`);
  // Purchase expiry, auto top-ups and webhook deliveries, on every node like the sweep.
  const backgroundWork = startPaymentsAndWebhooks(dependencies, { address, log: (error, what) => server.log.error({ err: error }, `${what} failed`) });
  const dialectServers = await serveDialectPorts(dependencies, { ports: options.dialects.ports, host: options.host, logLevel: process.env.LOG_LEVEL ?? 'info' });
  for (const { name, address: dialectAddress } of dialectServers) console.log(`${name} dialect listening on ${dialectAddress}`);
  for (const name of options.dialects.mounted) console.log(`${name} dialect mounted at ${address}/compat/${name}`);
  const shutdown = async (signal: string) => {
    server.log.info({ signal }, 'shutting down');
    clearInterval(sweepTimer);
    await backgroundWork.stop();
    await Promise.all(dialectServers.map(({ server: dialectServer }) => dialectServer.close()));
    await server.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

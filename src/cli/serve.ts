import { createApiKey, isEmptyDatabase } from '../app/api-keys.ts';
import { startBackgroundWork } from '../background/background-work.ts';
import { mountDialects, serveDialectPorts } from '../compat/serve-dialects.ts';
import { countPendingDeliveries } from '../app/webhook-endpoints.ts';
import { createEdgeAccess } from '../edge/access.ts';
import { listenMetrics, Metrics } from '../edge/metrics.ts';
import { buildServer } from '../http/server.ts';
import { describeDatabase, openStore } from '../store/open-store.ts';
import { composeDependencies } from './composition-root.ts';
import { tuneGarbageCollector } from './garbage-collector.ts';
import { openLogStream } from './log-stream.ts';
import { buildWebAssets } from './web-assets.ts';
import type { Configuration } from './configuration.ts';

export async function serve(configuration: Configuration): Promise<void> {
  tuneGarbageCollector();
  const { server: settings } = configuration;
  // Requests arrive on their own here: a lone commit's fsync goes to the thread pool, never onto the event loop.
  const store = await openStore(configuration.database, { sqlite: { inlineLoneCommitSync: false } });
  await store.migrate();
  // Until it listens (on port 0 the port is not known before), the hosted checkout's address is the configured one.
  let listeningAt = `http://${settings.host}:${settings.port}`;
  // One registry for every port; the backlog gauge reads through the app once dependencies exist.
  const metrics: Metrics = new Metrics({ backlog: () => countPendingDeliveries(dependencies) });
  const dependencies = composeDependencies(store, { configuration, publicUrl: () => settings.publicUrl ?? listeningAt, observer: metrics.observer });
  const firstStart = await isEmptyDatabase(dependencies);
  // One authenticator and one rate limiter for the main port, its /compat mounts and every dialect port.
  const access = createEdgeAccess(dependencies, { rateLimitPerSecond: settings.rateLimitPerSecond });
  // Every port logs through one buffered stdout stream (log-stream.ts).
  const log = openLogStream();
  const logger = { level: settings.logLevel, stream: log.stream };
  const server = await buildServer({
    dependencies,
    webAssets: buildWebAssets,
    logger,
    access,
    metrics,
    metricsAccess: { key: configuration.metrics.key ?? undefined, ownAddress: configuration.metrics.address !== null },
  });
  metrics.logTo(server.log);
  await mountDialects(server, dependencies, access, configuration.dialects.mounted);
  const address = await server.listen({ port: settings.port, host: settings.host });
  listeningAt = address;
  // stdout carries only the JSON log; lines meant for a person go to stderr. The key is made only once
  // the port is ours, so a start that fails (a busy port) does not use up the one-time key.
  if (firstStart) {
    const { key } = await createApiKey(dependencies, 'test');
    console.error(`Created a test environment. Test API key (shown once): ${key}`);
  }
  console.error(`Creditbook listening on ${address} (database: ${describeDatabase(configuration.database)})`);
  const backgroundWork = startBackgroundWork(dependencies, {
    intervalMs: configuration.backgroundIntervalMs,
    log: (error, what) => server.log.error({ err: error }, `${what} failed`),
  });
  const dialectServers = await serveDialectPorts(dependencies, access, { ports: configuration.dialects.ports, host: settings.host, logger, metrics });
  for (const { name, address: dialectAddress } of dialectServers) console.error(`${name} dialect listening on ${dialectAddress}`);
  for (const name of configuration.dialects.mounted) console.error(`${name} dialect mounted at ${address}/compat/${name}`);
  const metricsAddress = configuration.metrics.address;
  const metricsServer = metricsAddress ? await listenMetrics(metrics, { ...metricsAddress, key: configuration.metrics.key ?? undefined }) : undefined;
  if (metricsServer) console.error(`Metrics listening on ${metricsServer.address}/metrics`);
  const shutdown = async (signal: string) => {
    server.log.info({ signal }, 'shutting down');
    await backgroundWork.stop();
    await Promise.all(dialectServers.map(({ server: dialectServer }) => dialectServer.close()));
    await metricsServer?.server.close();
    await server.close();
    await store.close();
    await log.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

import { systemClock, type AppDependencies, type Clock } from '../app/dependencies.ts';
import { createIdFactory } from '../app/ids.ts';
import { AccessChanges } from '../app/access-changes.ts';
import { createLookups } from '../app/lookups.ts';
import { silentObserver, type Observer } from '../app/observer.ts';
import { createSecretBox } from '../app/secret-box.ts';
import { Payments } from '../payments/payments.ts';
import type { Store } from '../store/port.ts';
import { systemResolver, type HostResolver } from '../webhooks/outbound-post.ts';
import { createWebhookDelivery } from '../webhooks/webhook-delivery-service.ts';
import { defaultConfiguration, type Configuration } from './configuration.ts';

/**
 * The one place collaborators are built: every part of a running Creditbook
 * gets what it needs from here, through `AppDependencies`, and nothing below
 * reads the environment or keeps module state. Tests call it with any
 * configuration (default: `defaultConfiguration()`) and clock.
 */
export function composeDependencies(
  store: Store,
  options: {
    configuration?: Configuration;
    clock?: Clock;
    /** Where customers' browsers reach the server; default: the configured public URL, else the configured listen address. */
    publicUrl?: () => string;
    /** How webhook hosts are resolved; default: the system resolver (tests inject their own). */
    resolveHost?: HostResolver;
    /** Metrics and logs for operators; default: none. */
    observer?: Observer;
  } = {},
): AppDependencies {
  const configuration = options.configuration ?? defaultConfiguration();
  const { server } = configuration;
  const publicUrl = options.publicUrl ?? (() => server.publicUrl ?? `http://${server.host}:${server.port}`);
  const clock = options.clock ?? systemClock;
  const newId = createIdFactory();
  const observer = options.observer ?? silentObserver;
  const secrets = createSecretBox(configuration.encryptionKey);
  return {
    store,
    clock,
    newId,
    payments: new Payments(configuration.payments, publicUrl),
    webhooks: createWebhookDelivery(
      { store, clock, newId, secrets, observer, outbound: { allowed: configuration.webhookAllowedHosts, resolve: options.resolveHost ?? systemResolver } },
      configuration.webhooks,
    ),
    lookups: createLookups(),
    accessChanges: new AccessChanges(),
    secrets,
    publicUrl,
    observer,
  };
}

import type { Instant } from '../domain/types.ts';
import type { Payments } from '../payments/payments.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import type { PortalSessionRecord } from '../store/payment-records.ts';
import type { Store } from '../store/port.ts';
import type { AccessChanges } from './access-changes.ts';
import type { Lookups } from './lookups.ts';
import type { Observer } from './observer.ts';
import type { SecretBox } from './secret-box.ts';
import type { WebhookDelivery } from './webhook-delivery.ts';

/** The only clock the app reads; tests inject their own. */
export interface Clock {
  now(): Instant;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Every collaborator of the app, built once by the composition root
 * (`cli/composition-root.ts`) from the configuration and passed down: nothing
 * below reads the environment or keeps state of its own.
 */
export interface AppDependencies {
  store: Store;
  clock: Clock;
  /** Every ID the process makes, prefixed and time-sortable (`ids.ts`). */
  newId: (prefix: IdPrefix) => string;
  payments: Payments;
  /** Webhook delivery, reached through this port (implemented in `webhooks/`). */
  webhooks: WebhookDelivery;
  lookups: Lookups;
  /** This process's changes to keys and environments, which drop what the authenticator remembers (`access-changes.ts`). */
  accessChanges: AccessChanges;
  /** Seals secrets before they are stored and opens them after they are read (encrypted at rest with ENCRYPTION_KEY). */
  secrets: SecretBox;
  /** Where customers' browsers reach this server (portal links, hosted checkout). */
  publicUrl: () => string;
  /** Metrics and logs for operators (`observer.ts`). */
  observer: Observer;
}

export type IdPrefix =
  | 'env'
  | 'key'
  | 'cus'
  | 'wal'
  | 'grt'
  | 'sch'
  | 'dbt'
  | 'hld'
  | 'le'
  | 'evt'
  | 'pur'
  | 'inv'
  | 'we'
  | 'pm'
  | 'atu'
  | 'whd'
  | 'wha'
  | 'req'
  | 'prc'
  | 'ps'
  | 'cn'
  | 'aud';

/** What a caller is acting as: one environment, one request. */
export interface RequestContext {
  environment: EnvironmentRecord;
  requestId: string;
  /** Set when the caller is a customer portal session rather than an API key: it may act only for this customer. */
  portalSession?: PortalSessionRecord | undefined;
  /** The API key acting, and from where. Every write it makes is audited (audit-log.ts); absent for background work. */
  actor?: Actor;
  /**
   * What `store.externalChanges()` answered while this request was authenticated, so a read in
   * this request may rely on it instead of asking again (`rememberedBalanceNow`); absent when
   * nothing asked. Never carry it into later work: it says nothing of commits after it was read.
   */
  externalChanges?: number | undefined;
}

export interface Actor {
  apiKeyId: string;
  scopes: readonly string[];
  /** The surface and route, e.g. `POST /v1/debits` or `stripe:POST /v1/billing/credit_grants`. */
  operation: string;
  clientAddress: string;
}

/** A test environment with a frozen clock reads that clock; everything else reads the injected clock. */
export function currentTime(dependencies: AppDependencies, environment: EnvironmentRecord): Instant {
  return environment.frozenClockAt ?? dependencies.clock.now();
}

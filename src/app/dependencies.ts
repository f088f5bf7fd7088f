import type { Instant } from '../domain/types.ts';
import { createIdFactory } from './ids.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import type { Store } from '../store/port.ts';

/** The only clock the app reads; tests inject their own. */
export interface Clock {
  now(): Instant;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AppDependencies {
  store: Store;
  clock: Clock;
  newId: (prefix: IdPrefix) => string;
}

export type IdPrefix = 'env' | 'key' | 'cus' | 'wal' | 'grt' | 'sch' | 'dbt' | 'hld' | 'le' | 'evt' | 'pur' | 'inv' | 'we';

export function createDependencies(store: Store, clock: Clock = systemClock): AppDependencies {
  return { store, clock, newId: createIdFactory() };
}

/** What a caller is acting as: one environment, one request. */
export interface RequestContext {
  environment: EnvironmentRecord;
  requestId: string;
}

/** A test environment with a frozen clock reads that clock; everything else reads the injected clock. */
export function currentTime(dependencies: AppDependencies, environment: EnvironmentRecord): Instant {
  return environment.frozenClockAt ?? dependencies.clock.now();
}

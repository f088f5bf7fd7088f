import type { StoreHealth } from '../store/port.ts';
import type { AppDependencies } from './dependencies.ts';

/** The store's health, as `/healthz` shows it: it reads the database, so a health check fails when the database does not answer. */
export function storeHealth(dependencies: Pick<AppDependencies, 'store'>): Promise<StoreHealth> {
  return dependencies.store.health();
}

import type { Repository } from '../store/repository/repository.ts';
import type { AppDependencies } from './dependencies.ts';

/**
 * Counts this process's changes to what an API key's authentication depends on:
 * a key revoked, an environment deleted, a test clock moved. The authenticator
 * (api-keys.ts) keeps what it found only while this count, and the store's
 * `externalChanges()`, stay as they were when it read.
 */
export class AccessChanges {
  private count = 0;

  get version(): number {
    return this.count;
  }

  record(): void {
    this.count += 1;
  }
}

/**
 * A transaction that changes a key or an environment. The change is recorded
 * once the transaction has settled (committed or not): an authentication that
 * read before the commit is then dropped, and one that reads after it sees the
 * change, so the next request after the answer is judged on the new state.
 */
export async function changeAccess<T>(dependencies: AppDependencies, work: (repository: Repository) => Promise<T>): Promise<T> {
  try {
    return await dependencies.store.transaction(work);
  } finally {
    dependencies.accessChanges.record();
  }
}

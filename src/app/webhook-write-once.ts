import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { findReplay, rememberResponse, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';

/**
 * A write that is not a wallet operation (a webhook endpoint, a saved payment
 * method), made idempotent the way every write is: the same key and request
 * replays the stored response, another request with it is a 409, kept 24 hours.
 */
export function writeOnce(
  dependencies: AppDependencies,
  request: { context: RequestContext; idempotency?: IdempotencyRequest | undefined },
  write: (repository: Repository) => Promise<Presented>,
): Promise<Outcome> {
  const environmentId = request.context.environment.id;
  return dependencies.store.transaction(async (repository) => {
    if (request.idempotency) {
      const replay = await findReplay({ repository, environmentId, scope: 'environment', request: request.idempotency });
      if (replay) return replay;
    }
    const response = await write(repository);
    if (request.idempotency) {
      const now = currentTime(dependencies, request.context.environment);
      await rememberResponse({ repository, environmentId, scope: 'environment', request: request.idempotency, response, now, keepForever: false });
    }
    return { ...response, replayed: false };
  });
}

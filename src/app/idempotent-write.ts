import { CreditbookError } from '../domain/errors.ts';
import type { Repository } from '../store/repository/repository.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { presentedObjectId, recordAudit } from './audit-log.ts';
import { findReplay, rememberResponse, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';

/**
 * A write that is not a wallet operation (a customer, a webhook endpoint, a
 * saved payment method), made idempotent the way every write is: the same key
 * and request replays the stored response, another request with it is a 409,
 * kept 24 hours.
 *
 * No row lock orders two requests with the same key here: on PostgreSQL (READ
 * COMMITTED) the first may commit between the loser's replay check and its own
 * uniqueness check, which then reports a conflict. So a `state_conflict` looks
 * for a replay once more, and the loser replays instead of conflicting.
 */
export function idempotentWrite(
  dependencies: AppDependencies,
  request: { context: RequestContext; idempotency?: IdempotencyRequest | undefined },
  write: (repository: Repository) => Promise<Presented>,
): Promise<Outcome> {
  const environmentId = request.context.environment.id;
  return dependencies.store.transaction(async (repository) => {
    const replay = () => (request.idempotency ? findReplay({ repository, environmentId, scope: 'environment', request: request.idempotency }) : undefined);
    const earlier = await replay();
    if (earlier) return earlier;
    let response: Presented;
    try {
      response = await write(repository);
    } catch (error) {
      const raced = error instanceof CreditbookError && error.code === 'state_conflict' ? await replay() : undefined;
      if (raced) return raced;
      throw error;
    }
    await recordAudit(dependencies, repository, request.context, presentedObjectId(response.body));
    if (request.idempotency) {
      const now = currentTime(dependencies, request.context.environment);
      await rememberResponse({ repository, environmentId, scope: 'environment', request: request.idempotency, response, now, keepForever: false });
    }
    return Object.assign({}, response, { replayed: false });
  });
}

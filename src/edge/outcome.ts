import type { FastifyReply } from 'fastify';
import type { Outcome } from '../app/idempotency.ts';

/**
 * Sends a write's outcome as the use case presented it; an idempotent replay
 * says so in a header (`Idempotent-Replayed: true`, or the vendor's own).
 */
export function sendOutcome(reply: FastifyReply, outcome: Outcome, replayedHeader = 'Idempotent-Replayed'): FastifyReply {
  if (outcome.replayed) reply.header(replayedHeader, 'true');
  return reply.code(outcome.status).send(outcome.body);
}

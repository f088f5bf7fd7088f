import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EdgeAccess } from '../../edge/access.ts';
import type { RequestContext } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { authenticateRequest } from '../../edge/request-context.ts';

/**
 * Chargebee's client sends `Authorization: Basic base64(apiKey + ':')`. The API
 * key is a Creditbook key, so it names the environment; the password is empty
 * and ignored.
 */
export async function authenticateChargebee(request: FastifyRequest, reply: FastifyReply, access: EdgeAccess): Promise<RequestContext> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) {
    throw new CreditbookError('unauthenticated', 'Sorry, authentication failed. Send your Creditbook API key as the Basic auth user name, as the Chargebee client does with apiKey.');
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const key = separator === -1 ? decoded : decoded.slice(0, separator);
  return authenticateRequest(request, reply, { access, surface: 'chargebee', key: key || undefined, invalid: () => 'Sorry, authentication failed. Invalid or revoked API key.' });
}

import type { FastifyRequest } from 'fastify';
import type { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import type { RequestContext } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';

/**
 * Chargebee's client sends `Authorization: Basic base64(apiKey + ':')`. The API
 * key is a Creditbook key, so it names the environment; the password is empty
 * and ignored.
 */
export async function authenticateChargebee(request: FastifyRequest, authenticator: ApiKeyAuthenticator): Promise<RequestContext> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) {
    throw new CreditbookError('unauthenticated', 'Sorry, authentication failed. Send your Creditbook API key as the Basic auth user name, as the Chargebee client does with apiKey.');
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const key = separator === -1 ? decoded : decoded.slice(0, separator);
  try {
    // The authenticator reads a test environment afresh on every request, so a test-clock advance is seen at once.
    const environment = await authenticator.authenticate(key || undefined);
    return { environment, requestId: request.id };
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'unauthenticated') {
      throw new CreditbookError('unauthenticated', 'Sorry, authentication failed. Invalid or revoked API key.');
    }
    throw error;
  }
}

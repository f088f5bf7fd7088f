import type { FastifyRequest } from 'fastify';
import type { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { CreditbookError } from '../../domain/errors.ts';

/**
 * Chargebee's client sends `Authorization: Basic base64(apiKey + ':')`. The API
 * key is a Creditbook key, so it names the environment; the password is empty
 * and ignored.
 */
export async function authenticateChargebee(request: FastifyRequest, authenticator: ApiKeyAuthenticator, dependencies: AppDependencies): Promise<RequestContext> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) {
    throw new CreditbookError('unauthenticated', 'Sorry, authentication failed. Send your Creditbook API key as the Basic auth user name, as the Chargebee client does with apiKey.');
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const key = separator === -1 ? decoded : decoded.slice(0, separator);
  try {
    let environment = await authenticator.authenticate(key || undefined);
    // The authenticator caches environments briefly, and only the native API's cache is told when
    // a test clock moves: read a frozen clock afresh, so this dialect sees the same "now".
    if (environment.frozenClockAt !== null) {
      const id = environment.id;
      environment = (await dependencies.store.read((repository) => repository.accounts.getEnvironment(id))) ?? environment;
    }
    return { environment, requestId: request.id };
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'unauthenticated') {
      throw new CreditbookError('unauthenticated', 'Sorry, authentication failed. Invalid or revoked API key.');
    }
    throw error;
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EdgeAccess } from '../../edge/access.ts';
import type { RequestContext } from '../../app/dependencies.ts';
import { authenticateRequest } from '../../edge/request-context.ts';

/**
 * Stripe's auth forms, mapped to a Creditbook API key: `Authorization: Bearer <key>`
 * (what the official clients send) or HTTP Basic with the key as the user name
 * (what `curl -u <key>:` sends). The key's environment is the Stripe mode:
 * `livemode` is true exactly when the key is a live key.
 */
export function presentedStripeKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, credentials = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return credentials || undefined;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    return user || undefined;
  }
  return undefined;
}

export async function authenticateStripeRequest(request: FastifyRequest, reply: FastifyReply, access: EdgeAccess): Promise<RequestContext> {
  return authenticateRequest(request, reply, {
    access,
    surface: 'stripe',
    key: presentedStripeKey(request.headers.authorization),
    missing:
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    invalid: (key) => `Invalid API Key provided: ${key.slice(0, 12)}${'*'.repeat(4)}`,
  });
}

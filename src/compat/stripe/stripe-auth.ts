import type { ApiKeyAuthenticator } from '../../app/api-keys.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { EnvironmentRecord } from '../../store/records.ts';

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

export async function authenticateStripeRequest(authenticator: ApiKeyAuthenticator, authorization: string | undefined): Promise<EnvironmentRecord> {
  const key = presentedStripeKey(authorization);
  if (key === undefined) {
    throw new CreditbookError(
      'unauthenticated',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  try {
    return await authenticator.authenticate(key);
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'unauthenticated') {
      throw new CreditbookError('unauthenticated', `Invalid API Key provided: ${key.slice(0, 12)}${'*'.repeat(4)}`);
    }
    throw error;
  }
}

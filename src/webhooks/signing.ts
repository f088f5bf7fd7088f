import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): every delivery carries
 * `webhook-id` (the event ID, the same on every retry, so receivers can drop
 * duplicates), `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), made
 * by the `standardwebhooks` package with the endpoint's secret.
 */

/** A new endpoint secret: `whsec_` + base64 of 24 random bytes, the form the spec's libraries take. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The headers of one attempt. With several secrets (the current one and, while
 * a rotation's grace period lasts, the previous one) `webhook-signature` carries
 * one signature per secret, space-separated, as the spec allows: a receiver
 * verifying with either secret accepts it.
 */
export function signedHeaders(input: { secrets: readonly string[]; messageId: string; at: Date; body: string }): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Creditbook-Webhooks/1',
    'webhook-id': input.messageId,
    'webhook-timestamp': String(Math.floor(input.at.getTime() / 1000)),
    'webhook-signature': input.secrets.map((secret) => new Webhook(secret).sign(input.messageId, input.at, input.body)).join(' '),
  };
}

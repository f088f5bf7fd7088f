import { URL_CREDENTIALS_MASK } from '../app/webhook-endpoints.ts';

/**
 * Credentials in a receiver's URL (`https://user:password@host/…`). Creation
 * refuses them, but an endpoint stored before that may still hold them, and its
 * deliveries keep using them (Node sends them as `Authorization: Basic`), so a
 * receiver that worked is not broken. Nothing the server keeps of an attempt may
 * hold them: the delivery log is read by every key that may read, so a reply that
 * echoes the request (as echo services do) is kept with them masked.
 */


/**
 * A function that masks this URL's credentials in a text, in every form a
 * receiver could echo them (as written in the URL, percent-decoded, and the
 * `Basic` token Node sends), or null when the URL carries none.
 */
export function credentialRedactor(url: URL): ((text: string) => string) | null {
  if (url.username === '' && url.password === '') return null;
  const user = decoded(url.username);
  const password = decoded(url.password);
  const forms = [url.username, user, url.password, password, Buffer.from(`${user}:${password}`).toString('base64')];
  // Longest first, so a form that contains another is masked whole.
  const secrets = [...new Set(forms.filter((form) => form !== ''))].sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((masked, secret) => masked.split(secret).join(URL_CREDENTIALS_MASK), text);
}

/** Percent-decoded as Node decodes it for `Authorization: Basic`; as written when it is not valid percent-encoding. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

import createClient from 'openapi-fetch';

/**
 * A typed client for Creditbook's native API (types in index.d.ts, from the
 * server's /openapi.json). Plain JavaScript so it installs and runs without a build.
 */
export function createCreditbookClient(baseUrl, apiKey) {
  return createClient({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
}

import createClient from 'openapi-fetch';
import type { paths } from './schema.d.ts';

/**
 * A typed client for the native API, from the OpenAPI document the server
 * publishes (`npm run generate:client` regenerates schema.d.ts).
 *
 *   const creditbook = createCreditbookClient('http://127.0.0.1:8080', key);
 *   const { data, error } = await creditbook.POST('/v1/debits', { body: { customerId: 'acme', unit: 'ai_credits', amount: '12.5' } });
 */
export function createCreditbookClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
}

export type { paths };

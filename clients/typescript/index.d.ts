import type { Client } from 'openapi-fetch';
import type { operations, paths } from './schema.d.ts';

/**
 * A typed client for Creditbook's native API. Requests, responses and errors are
 * typed from the OpenAPI document the server publishes.
 *
 *   const creditbook = createCreditbookClient('http://127.0.0.1:8080', key);
 *   const { data, error } = await creditbook.POST('/v1/debits', { body: { customerId: 'acme', unit: 'ai_credits', amount: '12.5' } });
 */
export declare function createCreditbookClient(baseUrl: string, apiKey: string): Client<paths>;

/** The JSON body of every 4xx and 5xx response an operation documents. */
type ErrorBodyOf<Operation> = Operation extends { responses: infer Responses }
  ? {
      [Status in keyof Responses]: `${Status & number}` extends `4${string}` | `5${string}`
        ? Responses[Status] extends { content: { 'application/json': infer Body } }
          ? Body
          : never
        : never;
    }[keyof Responses]
  : never;

/** The API's error body, `{ error: { type, code, message, param?, details?, requestId } }`, as any route may answer it. */
export type CreditbookError = ErrorBodyOf<operations[keyof operations]>;

/** Every error code the API can answer. */
export type CreditbookErrorCode = CreditbookError['error']['code'];

export type { components, operations, paths } from './schema.d.ts';

import { createCreditbookClient } from '@creditbook/client';

/**
 * The console and portal call the API only through the client generated from
 * /openapi.json, so a page cannot ask for what the API does not offer. Errors
 * are shown as the API states them.
 */
export type Client = ReturnType<typeof createCreditbookClient>;

export function createClient(key: string): Client {
  return createCreditbookClient(window.location.origin, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

/** What an openapi-fetch call resolves to: its success body's type rides on `data`. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, typed by the generated schema (no cast at the call site),
 * or an ApiError with the API's own code and message.
 */
export async function unwrap<A extends Answer>(call: Promise<A>): Promise<Exclude<A['data'], undefined>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const body = (error ?? {}) as { error?: { code?: string; message?: string; requestId?: string } };
    throw new ApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? `HTTP ${response.status}`, body.error?.requestId);
  }
  // openapi-fetch leaves `data` undefined only on an error or an empty body; ok here means the schema's body.
  return data as Exclude<A['data'], undefined>;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

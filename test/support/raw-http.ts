import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';

// Response bodies of vendor dialects are checked against schemas, so they are untyped here.
export type Json = any;

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

/** Sends a request exactly as given (as a vendor's client would) and parses a JSON body when there is one. */
export async function sendRaw(url: string, request: { method: string; headers: Record<string, string>; payload?: string | undefined }): Promise<RawResponse> {
  const response = await fetch(url, { method: request.method, headers: request.headers, ...(request.payload === undefined ? {} : { body: request.payload }) });
  const text = await response.text();
  let body: Json;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Asserts that `value` matches `schema` exactly (no missing, extra or mistyped field) and returns it. */
export function expectShape(schema: TSchema, value: unknown, what = 'response'): Json {
  if (!Value.Check(schema, value)) {
    const errors = [...Value.Errors(schema, value)].slice(0, 5).map((error) => `${error.path || '/'}: ${error.message}`);
    assert.fail(`${what} does not match its schema:\n  ${errors.join('\n  ')}\n${JSON.stringify(value, null, 2)}`);
  }
  return value;
}

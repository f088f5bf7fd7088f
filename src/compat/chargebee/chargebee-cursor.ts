import { parameterError } from './chargebee-errors.ts';

/**
 * `next_offset` is opaque to the caller ("must not be parsed, modified, or
 * constructed manually"). Here it is base64url JSON naming the list it belongs
 * to (so an offset from another list or subscription is refused, not
 * misread) and whatever that list needs to continue.
 */
export function encodeOffset(list: string, state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ list, ...state }), 'utf8').toString('base64url');
}

export function decodeOffset<State extends Record<string, unknown>>(offset: string, list: string): State {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!decoded || typeof decoded !== 'object' || (decoded as { list?: unknown }).list !== list) {
    throw parameterError('offset', "'offset' is not a next_offset of this list; pass next_offset from the previous page unchanged, with the same filters.");
  }
  return decoded as State;
}

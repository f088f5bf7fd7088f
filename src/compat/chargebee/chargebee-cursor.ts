import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { parameterError } from './chargebee-errors.ts';

/** What the lists keep in an offset. A decoded offset is checked against its list's shape, so a forged one is a 400, never a bad query. */
export const OffsetAfter = Type.Object({ after: Type.String({ minLength: 1, maxLength: 200 }) });
export const OffsetSkip = Type.Object({ skip: Type.Integer({ minimum: 0, maximum: 1_000_000 }) });
export const DecimalText = Type.String({ pattern: '^-?\\d{1,25}(\\.\\d{1,10})?$' });

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * `next_offset` is opaque to the caller ("must not be parsed, modified, or
 * constructed manually"). Here it is base64url JSON naming the list it belongs
 * to (so an offset from another list or subscription is refused, not
 * misread) and whatever that list needs to continue.
 */
export function encodeOffset(list: string, state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ list, ...state }), 'utf8').toString('base64url');
}

export function decodeOffset<Schema extends TSchema>(offset: string, list: string, schema: Schema): Static<Schema> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (!decoded || typeof decoded !== 'object' || (decoded as { list?: unknown }).list !== list || !check.Check(decoded)) {
    throw parameterError('offset', "'offset' is not a next_offset of this list; pass next_offset from the previous page unchanged, with the same filters.");
  }
  return decoded as Static<Schema>;
}

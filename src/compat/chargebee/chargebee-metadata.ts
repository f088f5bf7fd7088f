import type { Metadata } from '../../store/records.ts';
import { parameterError } from './chargebee-errors.ts';

/**
 * Chargebee's `metadata` is an opaque JSON object, "stored as-is and returned
 * verbatim". Creditbook metadata is flat string pairs. A flat object of short
 * strings is stored as it is, so the native API shows the same pairs; anything
 * else (numbers, nesting, long values) is stored as its JSON text under one key
 * and read back as the same JSON.
 */
export const WRAPPED_METADATA_KEY = 'chargebee_metadata';
const MAX_METADATA_CHARS = 65_000;
const MAX_FLAT_KEYS = 50;
const MAX_FLAT_KEY_LENGTH = 40;
const MAX_FLAT_VALUE_LENGTH = 500;

export function metadataToNative(value: unknown, param = 'metadata'): Metadata | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw parameterError(param, `'${param}' must be a JSON object.`);
  }
  const text = JSON.stringify(value);
  if (text.length > MAX_METADATA_CHARS) throw parameterError(param, `'${param}' is longer than ${MAX_METADATA_CHARS} characters of JSON.`);
  const entries = Object.entries(value as Record<string, unknown>);
  const flat =
    entries.length <= MAX_FLAT_KEYS &&
    entries.every(
      ([key, item]) => key !== WRAPPED_METADATA_KEY && key.length <= MAX_FLAT_KEY_LENGTH && typeof item === 'string' && item.length <= MAX_FLAT_VALUE_LENGTH,
    );
  return flat ? (Object.fromEntries(entries) as Metadata) : { [WRAPPED_METADATA_KEY]: text };
}

/** The metadata as the Chargebee caller sent it; undefined when there is none (Chargebee omits absent attributes). */
export function metadataFromNative(metadata: Metadata): unknown {
  const keys = Object.keys(metadata);
  if (keys.length === 0) return undefined;
  const wrapped = metadata[WRAPPED_METADATA_KEY];
  if (keys.length === 1 && wrapped !== undefined) {
    try {
      return JSON.parse(wrapped) as unknown;
    } catch {
      return metadata;
    }
  }
  return metadata;
}

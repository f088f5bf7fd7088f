import { validationError } from './errors.ts';
/** String pairs, as every surface stores them. */
type Metadata = Readonly<Record<string, string>>;

/** The documented limit on a metadata key, on every surface (Stripe's own limit). */
export const MAX_METADATA_KEY_LENGTH = 40;

/** Refuses metadata with a key over 40 characters; every write that stores metadata calls it, whatever surface it came from. */
export function checkMetadataKeys(metadata: Metadata | undefined, param = 'metadata'): void {
  for (const key of Object.keys(metadata ?? {})) {
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      throw validationError(`${param}.${key}`, `Metadata keys have at most ${MAX_METADATA_KEY_LENGTH} characters; '${key.slice(0, 50)}…' has ${key.length}.`);
    }
  }
}

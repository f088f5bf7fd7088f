import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (webhook signing secrets, payment providers' references): with
 * an encryption key (ENCRYPTION_KEY), each is sealed with AES-256-GCM before it
 * is stored and opened after it is read; without one it is stored as given.
 *
 * A sealed value is `enc:v1:` + base64(12-byte IV | 16-byte tag | ciphertext).
 * The row it belongs to (`context`, such as the endpoint's ID) is authenticated
 * with it, so a sealed value copied into another row does not open. A value
 * without the prefix was stored before a key was set and opens as it is, so a
 * key can be added to a running installation; such values are sealed when next
 * written (a rotated webhook secret, for example).
 */
export interface SecretBox {
  seal(plain: string, context: string): string;
  open(stored: string, context: string): string;
}

const PREFIX = 'enc:v1:';

export function createSecretBox(key: Buffer | null): SecretBox {
  if (key !== null && key.length !== 32) throw new Error('The encryption key must be 32 bytes (AES-256).');
  return {
    seal(plain, context) {
      if (key === null) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored;
      if (key === null) throw new Error('A secret is stored encrypted, but no ENCRYPTION_KEY is set.');
      const sealed = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('A stored secret does not open with this ENCRYPTION_KEY (another key, or the value was altered).');
      }
    },
  };
}

/** ENCRYPTION_KEY: 32 bytes, as 64 hex digits or as base64. */
export function parseEncryptionKey(text: string): Buffer {
  const hex = /^[0-9a-fA-F]{64}$/.test(text);
  const key = Buffer.from(text, hex ? 'hex' : 'base64');
  // Node's base64 decoder skips what is not base64; only the exact encoding of 32 bytes is taken.
  if (key.length !== 32 || (!hex && key.toString('base64') !== text)) {
    throw new Error('ENCRYPTION_KEY must be 32 random bytes, as 64 hex digits or as base64 (openssl rand -base64 32).');
  }
  return key;
}

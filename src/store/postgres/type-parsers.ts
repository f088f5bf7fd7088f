import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/** PostgreSQL type OIDs we parse ourselves (see pg_type). */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * Every BIGINT column holds epoch milliseconds or a per-wallet sequence, both far
 * below 2^53, so they come back as JS numbers. A value that is not a safe
 * integer is refused loudly rather than rounded.
 */
function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`BIGINT value ${text} is not a safe JS integer.`);
  return value;
}

/** NUMERIC stays the exact decimal text PostgreSQL sent; the domain parses it into a bigint. Never a float. */
function keepText(text: string): string {
  return text;
}

/**
 * Type parsers for this store's pool only (pg's global parsers are left alone,
 * so other pg users in the same process are not affected).
 */
export const typeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === INT8) return parseSafeInteger;
      if (oid === NUMERIC) return keepText;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

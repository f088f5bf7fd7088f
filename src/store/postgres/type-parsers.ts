import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/** PostgreSQL type OIDs we parse ourselves (see pg_type). */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * BIGINT columns hold epoch milliseconds, per-wallet sequences and counts (far
 * below 2^53) and integer minor units of money. They come back as JS numbers,
 * which is exact for all of them in practice; a value beyond 2^53 comes back as
 * a bigint instead, so it is never rounded (readMinor and the like take either).
 */
function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
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
      if (oid === INT8) return parseInt8;
      if (oid === NUMERIC) return keepText;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

import { LATEST_INSTANT } from '../../domain/instant-range.ts';
import { amountFromDecimalString, assertScale, type Amount } from '../../domain/amount.ts';
import type { Instant } from '../../domain/types.ts';
import type { Metadata } from '../../store/records.ts';
import { parameterError } from './chargebee-errors.ts';
import { metadataToNative } from './chargebee-metadata.ts';

/** Chargebee's identifiers (subscription_id, unit_id, operation ids) are at most 50 characters. */
export const MAX_ID_LENGTH = 50;
/** "Pass this value as a decimal string", at most 36 characters (25 digits, a point, 10 digits). */
const MAX_AMOUNT_LENGTH = 36;

/**
 * The parameters of one Chargebee POST, JSON or form-encoded. Unknown
 * parameters are rejected by name, so a typo never silently changes nothing.
 */
export class ChargebeeBody {
  private readonly values: Record<string, unknown>;

  constructor(body: unknown, allowed: readonly string[]) {
    if (body === undefined || body === null) body = {};
    if (typeof body !== 'object' || Array.isArray(body)) throw parameterError('body', 'The request body must be an object of parameters.');
    this.values = body as Record<string, unknown>;
    for (const name of Object.keys(this.values)) {
      if (!allowed.includes(name)) throw parameterError(name, `Unknown parameter '${name}'. This endpoint accepts: ${allowed.join(', ')}.`);
    }
  }

  /** Everything sent, for the idempotency fingerprint. */
  get raw(): Record<string, unknown> {
    return this.values;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  string(name: string, options: { required: true; maxLength?: number }): string;
  string(name: string, options?: { required?: false; maxLength?: number }): string | undefined;
  string(name: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) {
      if (options.required) throw parameterError(name, `'${name}' is required.`);
      return undefined;
    }
    if (typeof value !== 'string') throw parameterError(name, `'${name}' must be a string.`);
    const maxLength = options.maxLength ?? MAX_ID_LENGTH;
    if (value.length === 0 || value.length > maxLength) throw parameterError(name, `'${name}' must have 1 to ${maxLength} characters.`);
    return value;
  }

  /**
   * A decimal string, exact: up to 25 digits before the point and 10 after,
   * greater than zero, and no more decimal places than the unit's scale. A JSON
   * number is refused: Chargebee amounts are strings, and a float may not be
   * the number the caller meant.
   */
  amount(name: string, scale: number): Amount {
    const value = this.values[name];
    if (value === undefined || value === null) throw parameterError(name, `'${name}' is required.`);
    if (typeof value !== 'string') throw parameterError(name, `'${name}' must be a decimal string such as "12.5", not a JSON ${typeof value}.`);
    if (value.length > MAX_AMOUNT_LENGTH) throw parameterError(name, `'${name}' has more than ${MAX_AMOUNT_LENGTH} characters.`);
    // Chargebee's format is plain digits; the exponent notation the native API also reads is not Chargebee's.
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw parameterError(name, `'${name}' must be a decimal string such as "12.5", got ${JSON.stringify(value)}.`);
    const amount = amountFromDecimalString(value, name);
    if (amount <= 0n) throw parameterError(name, `'${name}' must be greater than zero.`);
    assertScale(amount, scale, name);
    return amount;
  }

  /** A unix timestamp in whole seconds, as an Instant (milliseconds). */
  seconds(name: string, options: { required: true }): Instant;
  seconds(name: string, options?: { required?: false }): Instant | undefined;
  seconds(name: string, options: { required?: boolean } = {}): Instant | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) {
      if (options.required) throw parameterError(name, `'${name}' is required.`);
      return undefined;
    }
    return secondsToInstant(value, name);
  }

  boolean(name: string, options: { required: boolean }): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) {
      if (options.required) throw parameterError(name, `'${name}' is required.`);
      return undefined;
    }
    // Form bodies (credit_units) carry booleans as text.
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw parameterError(name, `'${name}' must be true or false.`);
  }

  metadata(name = 'metadata'): Metadata | undefined {
    return metadataToNative(this.values[name], name);
  }
}

/** Unix seconds (a JSON integer, or digits in a form or query) → epoch milliseconds. */
export function secondsToInstant(value: unknown, name: string): Instant {
  const seconds = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0 || seconds * 1000 > LATEST_INSTANT) {
    throw parameterError(name, `'${name}' must be a unix timestamp in whole seconds.`);
  }
  return seconds * 1000;
}

export function toSeconds(instant: Instant): number {
  return Math.floor(instant / 1000);
}

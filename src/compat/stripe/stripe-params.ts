import { LATEST_INSTANT } from '../../domain/instant-range.ts';
import type { Metadata } from '../../store/records.ts';
import { stripeParameterError } from './stripe-errors.ts';

const LATEST_UNIX_SECONDS = Math.floor(LATEST_INSTANT / 1000);

const INTEGER = /^-?\d+$/;
const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads Stripe parameters, as `qs` parsed them from a form body or a query
 * string (every leaf is a string), and names each parameter as Stripe does
 * (`amount[monetary][value]`). Every parameter read is remembered: `finish()`
 * rejects the first one nobody read with Stripe's `parameter_unknown`, so a typo
 * or an unsupported option is an error, never silently ignored.
 */
export class StripeParams {
  private readonly seen = new Set<string>();
  private readonly children: StripeParams[] = [];

  private constructor(
    private readonly values: Record<string, unknown>,
    private readonly path: string,
  ) {}

  static of(values: unknown): StripeParams {
    return new StripeParams(isPlainObject(values) ? values : {}, '');
  }

  nameOf(key: string): string {
    return this.path === '' ? key : `${this.path}[${key}]`;
  }

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }

  private take(key: string, required: boolean): unknown {
    this.seen.add(key);
    const value = this.values[key];
    if (value === undefined && required) throw stripeParameterError(this.nameOf(key), `Missing required param: ${this.nameOf(key)}.`, 'parameter_missing');
    return value;
  }

  private text(key: string, value: unknown): string {
    if (typeof value !== 'string') {
      const sent = Array.isArray(value) ? 'it was sent more than once' : 'it was sent as an object';
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: expected a single value, but ${sent}.`);
    }
    return value;
  }

  private emptyError(key: string) {
    const name = this.nameOf(key);
    return stripeParameterError(
      name,
      `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
      'parameter_invalid_empty',
    );
  }

  string(key: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const raw = this.take(key, options.required ?? false);
    if (raw === undefined) return undefined;
    const value = this.text(key, raw);
    if (value === '') throw this.emptyError(key);
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: must be at most ${options.maxLength} characters.`);
    }
    return value;
  }

  enumOf<Value extends string>(key: string, allowed: readonly Value[], options: { required?: boolean } = {}): Value | undefined {
    const value = this.string(key, options);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: must be one of ${allowed.join(', ')}.`);
    }
    return value as Value;
  }

  /** A whole number; Stripe's "Invalid integer" for anything else (10.5, 1e3, ""). */
  integer(key: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const raw = this.take(key, options.required ?? false);
    if (raw === undefined) return undefined;
    const value = this.wholeNumber(key, raw);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw stripeParameterError(this.nameOf(key), `Invalid integer: ${String(raw)} is too large.`, 'parameter_invalid_integer');
    }
    const number = Number(value);
    if ((options.min !== undefined && number < options.min) || (options.max !== undefined && number > options.max)) {
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: must be an integer between ${options.min ?? '-∞'} and ${options.max ?? '∞'}.`);
    }
    return number;
  }

  /**
   * A positive amount in integer minor units, read exactly (as a bigint, never
   * through a float). Capped at 2^53 − 1 so that it is shown back exactly as a JSON number.
   */
  minorUnits(key: string): bigint {
    const raw = this.take(key, true);
    const value = this.wholeNumber(key, raw);
    if (value <= 0n) throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: must be a positive integer amount in the currency's minor unit.`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: must be at most ${Number.MAX_SAFE_INTEGER}.`, 'parameter_invalid_integer');
    }
    return value;
  }

  private wholeNumber(key: string, raw: unknown): bigint {
    const text = this.text(key, raw);
    if (!INTEGER.test(text)) throw stripeParameterError(this.nameOf(key), `Invalid integer: ${text}`, 'parameter_invalid_integer');
    return BigInt(text);
  }

  /** Unix seconds as epoch milliseconds. With `emptyMeansNull`, "" unsets the field (Stripe's Emptyable). */
  timestamp(key: string, options: { emptyMeansNull?: boolean } = {}): number | null | undefined {
    if (options.emptyMeansNull && this.values[key] === '') {
      this.seen.add(key);
      return null;
    }
    // Up to 9999-12-31T23:59:59Z (LATEST_INSTANT): beyond, no date the API shows could hold it.
    const seconds = this.integer(key, { min: 0, max: LATEST_UNIX_SECONDS });
    return seconds === undefined ? undefined : seconds * 1000;
  }

  object(key: string, options: { required?: boolean } = {}): StripeParams | undefined {
    const raw = this.take(key, options.required ?? false);
    if (raw === undefined) return undefined;
    if (!isPlainObject(raw)) throw stripeParameterError(this.nameOf(key), `Invalid hash: ${this.nameOf(key)} must be an object of parameters.`);
    const child = new StripeParams(raw, this.nameOf(key));
    this.children.push(child);
    return child;
  }

  /** An array of objects, sent as `key[0][field]=…` (qs yields an object with numeric keys past its array limit). */
  objectList(key: string): StripeParams[] | undefined {
    const raw = this.take(key, false);
    if (raw === undefined) return undefined;
    const items = Array.isArray(raw)
      ? raw
      : isPlainObject(raw) && Object.keys(raw).every((index) => /^\d+$/.test(index))
        ? Object.keys(raw).sort((left, right) => Number(left) - Number(right)).map((index) => raw[index])
        : undefined;
    if (!items) throw stripeParameterError(this.nameOf(key), `Invalid array: ${this.nameOf(key)} must be a list.`);
    return items.map((item, index) => {
      if (!isPlainObject(item)) throw stripeParameterError(`${this.nameOf(key)}[${index}]`, `Invalid hash: ${this.nameOf(key)}[${index}] must be an object.`);
      const child = new StripeParams(item, `${this.nameOf(key)}[${index}]`);
      this.children.push(child);
      return child;
    });
  }

  /**
   * Stripe metadata: up to 50 string pairs. A value "" means "unset this key"
   * (kept, for updates to merge; dropped on create). `metadata=""` unsets every key.
   */
  metadata(key: string): Metadata | 'unset-all' | undefined {
    const raw = this.take(key, false);
    if (raw === undefined) return undefined;
    if (raw === '') return 'unset-all';
    if (!isPlainObject(raw)) throw stripeParameterError(this.nameOf(key), `Invalid hash: ${this.nameOf(key)} must be key-value pairs.`);
    const entries = Object.entries(raw);
    if (entries.length > METADATA_LIMITS.keys) {
      throw stripeParameterError(this.nameOf(key), `Invalid ${this.nameOf(key)}: at most ${METADATA_LIMITS.keys} keys.`);
    }
    const metadata: Metadata = {};
    for (const [name, value] of entries) {
      const param = `${this.nameOf(key)}[${name}]`;
      if (typeof value !== 'string') throw stripeParameterError(param, `Invalid ${param}: metadata values must be strings.`);
      if (name.length > METADATA_LIMITS.keyLength) throw stripeParameterError(param, `Invalid ${param}: metadata keys have at most ${METADATA_LIMITS.keyLength} characters.`);
      if (value.length > METADATA_LIMITS.valueLength) throw stripeParameterError(param, `Invalid ${param}: metadata values have at most ${METADATA_LIMITS.valueLength} characters.`);
      metadata[name] = value;
    }
    return metadata;
  }

  /** Parameters Stripe knows that this API does not offer: a clear error instead of a silent difference. */
  unsupported(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.values[key] === undefined) continue;
      throw stripeParameterError(this.nameOf(key), `The parameter ${this.nameOf(key)} is not supported by Creditbook's Stripe-compatible API.`, 'parameter_unknown');
    }
  }

  /** Rejects the first parameter (at any depth) that nothing read. */
  finish(): void {
    for (const key of Object.keys(this.values)) {
      if (!this.seen.has(key)) throw stripeParameterError(this.nameOf(key), `Received unknown parameter: ${this.nameOf(key)}`, 'parameter_unknown');
    }
    for (const child of this.children) child.finish();
  }
}

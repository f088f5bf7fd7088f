import { validationError } from './errors.ts';

/**
 * Exact decimal amounts as fixed-point bigints with 10 fractional digits.
 *
 * Invariant: no float ever holds an amount. The scale is fixed at 10 because
 * Every unit has at most 10 decimal places (docs/semantics.md#amounts), so one scale serves all units
 * and sums never need rescaling. A unit's own scale (0..10) only limits what a
 * request may contain; more precision than the unit allows is rejected, never
 * rounded.
 */
export type Amount = bigint;

export const AMOUNT_SCALE = 10;
export const MAX_INTEGER_DIGITS = 25;
const FACTOR = 10n ** BigInt(AMOUNT_SCALE);
const MAX_ABSOLUTE = 10n ** BigInt(MAX_INTEGER_DIGITS) * FACTOR;
const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;
const INTEGER_PATTERN = /^-?\d+$/;
/** At most 15 integer digits and at most AMOUNT_SCALE fraction digits: in range, and no trailing zero needs trimming. */
const SHORT_DECIMAL_PATTERN = /^-?\d{1,15}\.\d{1,10}$/;

export const ZERO: Amount = 0n;

/** Parses a canonical decimal string into an Amount. Throws on anything else. */
export function amountFromDecimalString(text: string, param = 'amount'): Amount {
  return decimalToAmount(text, param, MAX_INTEGER_DIGITS);
}

/**
 * An amount this code stored (canonical text, `formatAmount`'s): exact, and not held to a request's 25 digits. A
 * figure no request may hold alone can still be a sum (a wallet's balance after many grants a schedule issued), and
 * reading it back must never fail.
 */
export function amountFromStoredText(text: string): Amount {
  return decimalToAmount(text, 'amount', Number.POSITIVE_INFINITY);
}

/** Whether an amount fits in what a request may hold: at most 25 digits before the point. */
export function withinAmountLimit(amount: Amount): boolean {
  return amount < MAX_ABSOLUTE && amount > -MAX_ABSOLUTE;
}

function decimalToAmount(text: string, param: string, maxIntegerDigits: number): Amount {
  // Fast path for plain integers, the common case on the hot path (stored amounts, most requests).
  if (text.length > 0 && text.length <= 15 && INTEGER_PATTERN.test(text)) return BigInt(text) * FACTOR;
  // Fast path for short decimals ("1.5"): the digits without the point, padded to the scale, are the amount.
  if (text.length <= 27 && SHORT_DECIMAL_PATTERN.test(text)) {
    const point = text.indexOf('.');
    return BigInt(text.slice(0, point) + text.slice(point + 1).padEnd(AMOUNT_SCALE, '0'));
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) {
    // "1e3" reads as 1000, as the JSON number 1e3 does: one amount, however it is spelled.
    const expanded = expandExponent(text);
    if (expanded !== undefined) return decimalToAmount(expanded, param, maxIntegerDigits);
    throw validationError(param, `'${param}' must be a decimal number such as "12.5", got ${JSON.stringify(text)}.`);
  }
  const [, sign, integerPart = '0', fractionPart = ''] = match;
  const trimmedFraction = fractionPart.replace(/0+$/, '');
  if (trimmedFraction.length > AMOUNT_SCALE) {
    throw validationError(param, `'${param}' has ${trimmedFraction.length} decimal places; at most ${AMOUNT_SCALE} are supported.`);
  }
  if (integerPart.replace(/^0+/, '').length > maxIntegerDigits) {
    throw validationError(param, `'${param}' has more than ${MAX_INTEGER_DIGITS} digits before the decimal point.`);
  }
  const magnitude = BigInt(integerPart) * FACTOR + BigInt(trimmedFraction.padEnd(AMOUNT_SCALE, '0') || '0');
  return sign ? -magnitude : magnitude;
}

/**
 * Converts a JSON number through its shortest decimal form (what `String(n)`
 * prints). Integers beyond 2^53 are rejected: their shortest form is not the
 * number the sender wrote, so we ask for a string instead of guessing.
 */
export function amountFromNumber(value: number, param = 'amount'): Amount {
  if (!Number.isFinite(value)) {
    throw validationError(param, `'${param}' must be a finite number.`);
  }
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw validationError(param, `'${param}' is too large to be sent exactly as a JSON number; send it as a string.`);
  }
  const text = String(value);
  return amountFromDecimalString(expandExponent(text) ?? text, param);
}

/** Parses a request amount (string or number) and checks it against a unit's scale. */
export function parseAmount(value: unknown, options: { param?: string; scale?: number; positive?: boolean } = {}): Amount {
  const param = options.param ?? 'amount';
  let amount: Amount;
  if (typeof value === 'string') amount = amountFromDecimalString(value, param);
  else if (typeof value === 'number') amount = amountFromNumber(value, param);
  else throw validationError(param, `'${param}' must be a decimal string or a number.`);
  if (options.scale !== undefined) assertScale(amount, options.scale, param);
  if (options.positive !== false && amount <= 0n) {
    throw validationError(param, `'${param}' must be greater than zero.`);
  }
  return amount;
}

export function assertScale(amount: Amount, scale: number, param = 'amount'): void {
  const unit = 10n ** BigInt(AMOUNT_SCALE - scale);
  if (amount % unit !== 0n) {
    throw validationError(param, `'${param}' has more decimal places than its unit allows (${scale}).`);
  }
  if (!withinAmountLimit(amount)) {
    throw validationError(param, `'${param}' has more than ${MAX_INTEGER_DIGITS} digits before the decimal point.`);
  }
}

/**
 * Canonical decimal string: no exponent, no trailing fractional zeros ("12.5", "-3", "0"). The digits are cut from
 * one `toString`, not divided out: two bigint divisions cost a call 100–120 ns, this 45 (a debit formats about 13).
 */
export function formatAmount(amount: Amount): string {
  if (amount === 0n) return '0';
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString();
  // Where the fraction starts in `digits` (negative: it needs leading zeros), and where its trailing zeros start.
  const cut = digits.length - AMOUNT_SCALE;
  let end = digits.length;
  while (end > cut && end > 0 && digits.charCodeAt(end - 1) === ZERO_CHARACTER) end -= 1;
  const sign = negative ? '-' : '';
  const integer = cut > 0 ? digits.slice(0, cut) : '0';
  if (end <= cut) return sign + integer;
  const fraction = cut >= 0 ? digits.slice(cut, end) : '0'.repeat(-cut) + digits.slice(0, end);
  return `${sign}${integer}.${fraction}`;
}

const ZERO_CHARACTER = '0'.charCodeAt(0);

/** Converts to integer minor units of a unit with `scale` decimals (exact; throws if not representable). */
export function toMinorUnits(amount: Amount, scale: number): bigint {
  const divisor = 10n ** BigInt(AMOUNT_SCALE - scale);
  if (amount % divisor !== 0n) throw validationError('amount', `Amount has more decimal places than ${scale}.`);
  return amount / divisor;
}

export function fromMinorUnits(minor: bigint, scale: number): Amount {
  return minor * 10n ** BigInt(AMOUNT_SCALE - scale);
}

export function minAmount(left: Amount, right: Amount): Amount {
  return left < right ? left : right;
}

export function maxAmount(left: Amount, right: Amount): Amount {
  return left > right ? left : right;
}

export function sumAmounts(amounts: Iterable<Amount>): Amount {
  let total = ZERO;
  for (const amount of amounts) total += amount;
  return total;
}

/**
 * Exponent notation ("1e-7", "1.5E3") as plain decimal digits, exactly; undefined
 * when `text` is not in it. An exponent beyond any amount's digits is left
 * unexpanded (undefined), so "1e999999999" costs nothing.
 */
function expandExponent(text: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', integerDigits = '', fractionDigits = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = integerDigits + fractionDigits;
  const pointPosition = integerDigits.length + exponent;
  if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
  if (pointPosition >= digits.length) return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}`;
  return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
}

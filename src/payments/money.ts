import { AMOUNT_SCALE, type Amount } from '../domain/amount.ts';
import { currencyScale } from '../domain/currencies.ts';
import { validationError } from '../domain/errors.ts';

/**
 * Money on the payment path: integer minor units of an ISO 4217 currency (cents
 * for USD), as payment providers count it. Never a float; never rounded without
 * saying so.
 *
 * The decimals of each currency come from domain/currencies.ts.
 */
const PRICE_PATTERN = /^(\d{1,12})(?:\.(\d+))?$/;
/** The smallest price a purchase may have, as in Paygentic: 0.50 of the major unit. */
export const MINIMUM_PRICE = '0.50';
/** Above what providers accept for one payment (Stripe: 8 digits of minor units for most currencies). */
const MAXIMUM_MINOR = 99_999_999_999n;

/** The currency's minor-unit decimals (domain/currencies.ts); 2 for a code not in the table. */
export function currencyDecimals(currency: string): number {
  return currencyScale(currency) ?? 2;
}

/** 0.50 of the major unit in minor units; for a zero-decimal currency 1, the smallest price not below 0.50. */
export function minimumPriceMinor(currency: string): bigint {
  const scale = 10n ** BigInt(currencyDecimals(currency));
  return (scale + 1n) / 2n;
}

/** A decimal price string ("5.00") as minor units. More decimals than the currency has are rejected, never rounded. */
export function parsePrice(value: string, currency: string, param = 'price'): bigint {
  const match = PRICE_PATTERN.exec(value);
  if (!match) throw validationError(param, `'${param}' must be a decimal string such as "5.00".`);
  const [, whole = '0', fraction = ''] = match;
  const decimals = currencyDecimals(currency);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > decimals) {
    throw validationError(param, `'${param}' has more decimal places than ${currency.toUpperCase()} allows (${decimals}).`);
  }
  const minor = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, '0') || '0');
  if (minor < minimumPriceMinor(currency)) throw validationError(param, `'${param}' must be at least ${MINIMUM_PRICE}.`);
  if (minor > MAXIMUM_MINOR) throw validationError(param, `'${param}' is more than a payment provider accepts in one payment.`);
  return minor;
}

/** Minor units as a decimal string with all of the currency's decimals: 500 usd → "5.00". */
export function formatMinor(minor: bigint, currency: string): string {
  const decimals = currencyDecimals(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : ''}`;
}

/** Minor units as an exact Amount in the currency's major unit (a grant's cost basis). */
export function minorToAmount(minor: bigint, currency: string): Amount {
  return minor * 10n ** BigInt(AMOUNT_SCALE - currencyDecimals(currency));
}

/**
 * The price of `credits` at `unitPrice` (a major-unit decimal per credit), in minor
 * units. The one rounding on the payment path: half up to the currency's minor
 * unit (documented in docs/purchases-and-webhooks.md under auto top-up).
 */
export function priceOfCredits(credits: Amount, unitPrice: Amount, currency: string): bigint {
  // credits and unitPrice are both fixed-point at AMOUNT_SCALE, so the product is at twice that scale.
  const product = credits * unitPrice;
  const divisor = 10n ** BigInt(2 * AMOUNT_SCALE - currencyDecimals(currency));
  return (product + divisor / 2n) / divisor;
}

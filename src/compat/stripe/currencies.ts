import { fromMinorUnits, toMinorUnits, type Amount } from '../../domain/amount.ts';
import { CreditbookError } from '../../domain/errors.ts';

export { currencyScale } from '../../domain/currencies.ts';

/** A Stripe `value` (integer minor units) as an exact Creditbook amount. */
export function amountFromMinorUnits(value: bigint, scale: number): Amount {
  return fromMinorUnits(value, scale);
}

/**
 * An amount as the JSON integer Stripe's objects carry. Amounts beyond 2^53 minor
 * units cannot be a JSON number exactly; they are refused, never rounded.
 */
export function minorUnitsOf(amount: Amount, scale: number): number {
  const minor = toMinorUnits(amount, scale);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CreditbookError('not_supported', 'This amount is too large to be shown exactly as a Stripe integer amount; read it through the native API.');
  }
  return Number(minor);
}

import { fromMinorUnits, toMinorUnits, type Amount } from '../../domain/amount.ts';
import { CreditbookError } from '../../domain/errors.ts';

/**
 * The currencies Stripe accepts, with the number of decimals of the minor unit
 * Stripe's API counts in. A Stripe currency is a Creditbook unit of the same
 * lower-case code and this scale (created on first use).
 *
 * Most are 2. Zero-decimal: Stripe's zero-decimal list. Three-decimal: Stripe's
 * three-decimal list. ISK, HUF and TWD stay 2 because Stripe's API still counts
 * them in hundredths (amounts ending in 00), so `value` means the same here as there.
 */
const ZERO_DECIMAL = ['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'];
const THREE_DECIMAL = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];
const TWO_DECIMAL = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bmd bnd bob brl bsd bwp byn bzd cad cdf chf cny cop crc cve ' +
  'czk dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gtq gyd hkd hnl htg huf idr ils inr isk jmd kes kgs khr kyd kzt lak ' +
  'lbp lkr lrd lsl mad mdl mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln qar ron ' +
  'rsd rub sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah uyu uzs wst xcd yer zar zmw'
).split(' ');

const SCALES = new Map<string, number>([
  ...TWO_DECIMAL.map((code) => [code, 2] as const),
  ...ZERO_DECIMAL.map((code) => [code, 0] as const),
  ...THREE_DECIMAL.map((code) => [code, 3] as const),
]);

/** The minor-unit scale of a Stripe currency (lower case), or undefined when Stripe has no such currency. */
export function currencyScale(currency: string): number | undefined {
  return SCALES.get(currency);
}

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

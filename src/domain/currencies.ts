import { validationError } from './errors.ts';

/**
 * ISO 4217 currencies with the number of decimals of the minor unit that
 * payment providers (Stripe first) count in. A currency used as a Creditbook
 * unit has this scale. One table for the Stripe dialect and the payment path.
 *
 * Most are 2. Zero-decimal: Stripe's zero-decimal list. Three-decimal: Stripe's
 * three-decimal list. ISK, HUF and TWD stay 2 because Stripe's API still counts
 * them in hundredths (amounts ending in 00).
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

/** The minor-unit scale of a currency (lower case), or undefined when it is not a known currency. */
export function currencyScale(currency: string): number | undefined {
  return SCALES.get(currency);
}


/** Refuses a currency that is not a known ISO 4217 code (lower case), naming the parameter. */
export function requireCurrency(currency: string, param: string): string {
  if (currencyScale(currency) === undefined) {
    throw validationError(param, `'${param}' must be a lower-case ISO 4217 currency code such as "usd" or "eur"; ${JSON.stringify(currency)} is not one.`);
  }
  return currency;
}

/**
 * Amounts are the API's exact decimal strings and are shown as they come.
 * Only two things are computed here, both exactly: sums (with bigints, for
 * usage by feature) and, for the chart's pixels alone, a float.
 */
const SCALE = 10;
const FACTOR = 10n ** BigInt(SCALE);

function toFixed(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const value = BigInt(whole) * FACTOR + BigInt(fraction.padEnd(SCALE, '0').slice(0, SCALE));
  return negative ? -value : value;
}

function fromFixed(value: bigint): string {
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const fraction = (absolute % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${absolute / FACTOR}${fraction ? `.${fraction}` : ''}`;
}

/** The exact sum of decimal strings, as a decimal string. */
export function sumAmounts(amounts: readonly string[]): string {
  return fromFixed(amounts.reduce((sum, amount) => sum + toFixed(amount), 0n));
}

/** The exact negation of a decimal string. */
export function negate(amount: string): string {
  return fromFixed(-toFixed(amount));
}

export function isPositive(amount: string): boolean {
  return toFixed(amount) > 0n;
}

/**
 * Whether a decimal string is zero, read as text: the API writes zero as "0", but "0.00" or "-0" are zero too.
 * Text, not bigints: a figure with more than 10 decimals ("0.00000000001") is not zero, though toFixed would cut it.
 */
export function isZero(amount: string): boolean {
  return /^[-+]?(0+(\.0+)?|\.0+)$/.test(amount);
}

/** For plotting only: never displayed. */
export function toPlotNumber(amount: string): number {
  return Number(amount);
}

/**
 * A rate shown to a person, rounded half away from zero to `digits` decimals. Only
 * for derived figures such as a burn rate; balances and entries are shown exactly.
 */
export function roundForReading(amount: string, digits: number): string {
  const step = 10n ** BigInt(SCALE - digits);
  const value = toFixed(amount);
  const magnitude = value < 0n ? -value : value;
  const rounded = ((magnitude + step / 2n) / step) * step;
  return fromFixed(value < 0n ? -rounded : rounded);
}

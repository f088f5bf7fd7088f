/** Fixed-format report lines: `label : creditbook X | baseline <name> Y | ratio Z`. */

const LABEL_WIDTH = 46;
const VALUE_WIDTH = 9;
const BASELINE_NAME_WIDTH = 18;

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatMs(value: number): string {
  return value.toFixed(2);
}

export function formatUs(value: number): string {
  return `${Math.round(value)} µs`;
}

export function formatMb(kilobytes: number): string {
  return `${(kilobytes / 1024).toFixed(1)} MB`;
}

/** ours / baseline, two decimals; "n/a" when the baseline is zero or missing. */
export function formatRatio(ours: number, baseline: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  return (ours / baseline).toFixed(2);
}

export interface FigureLine {
  label: string;
  ours: number;
  baselineName: string;
  baseline: number;
  format: (value: number) => string;
  /** Appended after the ratio, e.g. error counts. */
  note?: string;
}

export function figureLine(figure: FigureLine): string {
  const ours = figure.format(figure.ours).padStart(VALUE_WIDTH);
  const baseline = figure.format(figure.baseline).padStart(VALUE_WIDTH);
  const ratio = formatRatio(figure.ours, figure.baseline);
  const note = figure.note ? `  ${figure.note}` : '';
  return `${figure.label.padEnd(LABEL_WIDTH)} : creditbook ${ours}  | baseline ${figure.baselineName.padEnd(BASELINE_NAME_WIDTH)} ${baseline} | ratio ${ratio}${note}`;
}

/** A figure without a baseline. */
export function plainLine(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)} : creditbook ${value.padStart(VALUE_WIDTH)}`;
}

export function sectionHeading(title: string): string {
  return `\n${title}`;
}

/** Progress notes go to stderr so stdout holds only the report. */
export function progress(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}

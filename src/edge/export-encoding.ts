import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { ExportColumnType, ExportValue } from '../app/export-source.ts';
import type { OpenedExport } from '../app/exports.ts';
import { formatAmount } from '../domain/amount.ts';
import { toTimestamp } from './time.ts';

/** The formats an export is written in, by the name `format` / `--format` takes. */
export const exportFormats = {
  /** RFC 4180: a header row, CRLF line ends, fields quoted where needed (csv-stringify). */
  csv: { mediaType: 'text/csv', extension: 'csv' },
  /** One JSON object per line, keys in column order. */
  jsonl: { mediaType: 'application/x-ndjson', extension: 'jsonl' },
} as const;

export type ExportFormat = keyof typeof exportFormats;

/** The Content-Type an export is sent with: always UTF-8. */
export function exportContentType(format: ExportFormat): string {
  return `${exportFormats[format].mediaType}; charset=utf-8`;
}

const CSV_OPTIONS = { record_delimiter: 'windows' } as const;

/**
 * Text a spreadsheet would run as a formula (first character = + - @, a tab or a
 * carriage return), quoted or not, e.g. a grant's name sent by an integrator.
 * Such text gets a leading apostrophe in CSV (OWASP's advice), so it shows as
 * text; JSON lines carry it unchanged. Only `text` columns: amounts and times
 * are written by us, and a negative amount must stay a number.
 */
const SPREADSHEET_FORMULA = /^[=+\-@\t\r]/;

/** The value as JSON lines carry it: amounts as exact decimal strings, times as RFC 3339 UTC, JSON as itself. */
function jsonValue(type: ExportColumnType, value: ExportValue): unknown {
  if (value === null) return null;
  if (type === 'amount') return formatAmount(value as bigint);
  if (type === 'time') return toTimestamp(value as number);
  return value;
}

/** The value as a CSV field: as in JSON lines, with JSON as its text and null as an empty field. */
function csvField(type: ExportColumnType, value: ExportValue): string {
  if (value === null) return '';
  if (type === 'json') return JSON.stringify(value);
  const text = String(jsonValue(type, value));
  return type === 'text' && SPREADSHEET_FORMULA.test(text) ? `'${text}` : text;
}

/** The export's text, one chunk per page (and the CSV header first): memory is one page whatever the export's size. */
export async function* encodeExport(opened: OpenedExport, format: ExportFormat): AsyncGenerator<string> {
  const { columns } = opened;
  if (format === 'csv') yield stringify([columns.map((column) => column.name)], CSV_OPTIONS);
  for await (const page of opened.pages) {
    if (format === 'csv') {
      yield stringify(page.map((row) => row.map((value, index) => csvField(columns[index]!.type, value))), CSV_OPTIONS);
    } else {
      let lines = '';
      for (const row of page) lines += `${JSON.stringify(Object.fromEntries(row.map((value, index) => [columns[index]!.name, jsonValue(columns[index]!.type, value)])))}\n`;
      yield lines;
    }
  }
}

/**
 * The export as a readable stream for a response or a file. It holds at most one
 * page ahead of its reader (highWaterMark 1): piped, it stops reading the store
 * while the destination is full and resumes on its drain, so a slow client
 * costs time, not memory. Destroyed (the client went away), it stops the walk.
 */
export function exportStream(opened: OpenedExport, format: ExportFormat): Readable {
  return Readable.from(encodeExport(opened, format), { highWaterMark: 1 });
}

/** A file name for the export: its kind and window, e.g. `creditbook-ledger-20260101T000000Z-20260201T000000Z.csv`. */
export function exportFileName(opened: OpenedExport, format: ExportFormat): string {
  const compact = (instant: number) => toTimestamp(instant).replace(/[-:]/g, '').replace(/\.000Z$/, 'Z').replace(/\.(\d{3})Z$/, '.$1Z');
  return `creditbook-${opened.kind}-${compact(opened.request.from)}-${compact(opened.request.to)}.${exportFormats[format].extension}`;
}

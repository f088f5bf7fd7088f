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

/** Where a line ends in each format. */
const LINE_END: Record<ExportFormat, string> = { csv: '\r\n', jsonl: '\n' };

/** One page's lines, each with its line end. */
function encodePage(columns: OpenedExport['columns'], page: ExportValue[][], format: ExportFormat): string {
  if (format === 'csv') return stringify(page.map((row) => row.map((value, index) => csvField(columns[index]!.type, value))), CSV_OPTIONS);
  let lines = '';
  for (const row of page) lines += `${JSON.stringify(Object.fromEntries(row.map((value, index) => [columns[index]!.name, jsonValue(columns[index]!.type, value)])))}\n`;
  return lines;
}

/**
 * The export's text, one chunk per page: memory is one page whatever the export's
 * size. The first chunk is the CSV header with the first page (the header alone
 * when there are no rows, nothing in JSON lines), so reading it reads and encodes
 * the first page. Each chunk holds back its last line end, which opens the next
 * chunk or is the last one: an export that fails after it started ends without
 * its final line end, never as a shorter text that looks whole.
 */
export async function* encodeExport(opened: OpenedExport, format: ExportFormat): AsyncGenerator<string> {
  const lineEnd = LINE_END[format];
  let pending = format === 'csv' ? stringify([opened.columns.map((column) => column.name)], CSV_OPTIONS) : '';
  for await (const page of opened.pages) {
    if (page.length === 0) continue;
    yield (pending + encodePage(opened.columns, page, format)).slice(0, -lineEnd.length);
    pending = lineEnd;
  }
  if (pending !== '') yield pending;
}

/**
 * Starts the export as a readable stream for a response or a file: it reads and
 * encodes the first page (or learns there is none) before it resolves, so a
 * failure there (a stored value that does not map) rejects here and an edge
 * answers an error instead of a status and a header that look like an empty
 * export. The stream then holds at most one page ahead of its reader
 * (highWaterMark 1): piped, it stops reading the store while the destination is
 * full and resumes on its drain, so a slow client costs time, not memory.
 * Destroyed (the client went away), it stops the walk. A failure after the
 * first chunk errors the stream, whose text then lacks its final line end.
 */
export async function exportStream(opened: OpenedExport, format: ExportFormat): Promise<Readable> {
  const chunks = encodeExport(opened, format);
  const first = await chunks.next();
  async function* started(): AsyncGenerator<string> {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  return Readable.from(started(), { highWaterMark: 1 });
}

/** A file name for the export: its kind and window, e.g. `creditbook-ledger-20260101T000000Z-20260201T000000Z.csv`. */
export function exportFileName(opened: OpenedExport, format: ExportFormat): string {
  const compact = (instant: number) => toTimestamp(instant).replace(/[-:]/g, '').replace(/\.000Z$/, 'Z').replace(/\.(\d{3})Z$/, '.$1Z');
  return `creditbook-${opened.kind}-${compact(opened.request.from)}-${compact(opened.request.to)}.${exportFormats[format].extension}`;
}

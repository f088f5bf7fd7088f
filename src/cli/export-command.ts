import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { AppDependencies } from '../app/dependencies.ts';
import { findEnvironment } from '../app/environments.ts';
import { openExport } from '../app/exports.ts';
import { validationError } from '../domain/errors.ts';
import { exportFormats, exportStream, type ExportFormat } from '../edge/export-encoding.ts';
import { parseTimestamp } from '../edge/time.ts';

export interface ExportOptions {
  from: string | undefined;
  to: string | undefined;
  format: string | undefined;
  out: string | undefined;
  customer: string | undefined;
  unit: string | undefined;
  currency: string | undefined;
  /** `live` (the default), `test`, or an environment's ID. */
  env: string | undefined;
}

/**
 * `creditbook export <kind>`: the same export as GET /v1/exports/<kind>, read
 * through app/ from the configured store and streamed to stdout or `--out`. Bad
 * input is refused before anything is written; a file is written beside `--out`
 * and renamed onto it only once complete, so a failed export never leaves a
 * file that looks whole.
 */
export async function runExport(dependencies: AppDependencies, kind: string | undefined, options: ExportOptions): Promise<void> {
  if (kind === undefined) throw validationError('kind', 'export needs a kind: creditbook export ledger|grants|usage|revenue --from … --to ….');
  if (options.from === undefined) throw validationError('from', 'export needs --from (RFC 3339, e.g. 2026-01-01T00:00:00Z).');
  if (options.to === undefined) throw validationError('to', 'export needs --to (RFC 3339, e.g. 2026-02-01T00:00:00Z).');
  const format = options.format ?? 'csv';
  if (!Object.hasOwn(exportFormats, format)) throw validationError('format', `--format must be one of ${Object.keys(exportFormats).join(', ')}.`);
  const environment = await findEnvironment(dependencies, options.env ?? 'live');
  const opened = await openExport(dependencies, { environment, requestId: dependencies.newId('req') }, kind, {
    from: parseTimestamp(options.from, 'from'),
    to: parseTimestamp(options.to, 'to'),
    ...(options.customer !== undefined ? { customerId: options.customer } : {}),
    ...(options.unit !== undefined ? { unit: options.unit } : {}),
    ...(options.currency !== undefined ? { currency: options.currency } : {}),
  });
  const rows = await exportStream(opened, format as ExportFormat);
  if (options.out === undefined) {
    await pipeline(rows, process.stdout, { end: false });
    return;
  }
  const partial = `${options.out}.partial`;
  try {
    await pipeline(rows, createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, options.out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  console.error(`Wrote the ${kind} export of ${environment.id} to ${options.out}.`);
}

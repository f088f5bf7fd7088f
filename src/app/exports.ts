import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { exportFilters, type ExportColumnType, type ExportDefinition, type ExportFilters, type ExportRequest, type ExportValue, type ExportWalk } from './export-source.ts';
import { grantsExport } from './grants-export.ts';
import { ledgerExport } from './ledger-export.ts';
import { revenueExport } from './revenue-export.ts';
import { usageExport } from './usage-export.ts';

/**
 * Exports: a table's rows in a time window, in a fixed order, read a bounded
 * page at a time so an export of millions of rows runs in constant memory. Each
 * kind is an `ExportSource` (its columns and how it walks its rows, export-source.ts)
 * registered in `exportSources`; the edges (`GET /v1/exports/<kind>`, `creditbook export <kind>`)
 * take every registered kind and only encode rows (edge/export-encoding.ts).
 */

/** Every export there is, by the name the edges use. Adding one is a source and a line here. */
export const exportSources = {
  ledger: ledgerExport,
  grants: grantsExport,
  usage: usageExport,
  revenue: revenueExport,
} satisfies Record<string, ExportDefinition>;

export type ExportKind = keyof typeof exportSources;
export const exportKinds = Object.keys(exportSources) as ExportKind[];

/** Rows per page: large enough that a page's query is cheap per row, small enough that a page takes milliseconds (a source with large rows reads fewer: `rowsPerPage`). */
export const EXPORT_PAGE_SIZE = 2000;

export interface OpenedExport {
  kind: ExportKind;
  request: ExportRequest;
  columns: ReadonlyArray<{ name: string; type: ExportColumnType }>;
  /** Each page's rows, each row its values in `columns` order. */
  pages: AsyncIterable<ExportValue[][]>;
}

/** The export of that name; one that does not exist is refused naming those that do. */
export function exportSourceOf(kind: string): { kind: ExportKind; source: ExportDefinition } {
  if (!Object.hasOwn(exportSources, kind)) throw new CreditbookError('not_found', `No export '${kind}'; exports are ${exportKinds.join(', ')}.`, { param: 'kind' });
  return { kind: kind as ExportKind, source: exportSources[kind as ExportKind] };
}

/**
 * Checks an export request and opens its walk. Everything that can be wrong with
 * the request (unknown kind, from not before to, a filter the kind does not take,
 * an unknown customer or unit) is refused here, before a row is read, so an edge
 * can answer an error instead of starting a stream.
 */
export async function openExport(
  dependencies: AppDependencies,
  context: RequestContext,
  name: string,
  request: ExportRequest,
  options: { pageSize?: number } = {},
): Promise<OpenedExport> {
  const { kind, source } = exportSourceOf(name);
  if (!(request.to > request.from)) throw validationError('to', 'to must be later than from.');
  for (const filter of exportFilters) {
    if (request[filter] !== undefined && !source.filters.includes(filter)) throw validationError(filter, `The ${kind} export takes no '${filter}' filter.`);
    if (request[filter] === undefined && source.required.includes(filter)) throw validationError(filter, `The ${kind} export needs '${filter}'.`);
  }
  await checkFilters(dependencies, context, request);
  const walk: ExportWalk = { request, now: currentTime(dependencies, context.environment), pageSize: options.pageSize ?? source.rowsPerPage ?? EXPORT_PAGE_SIZE };
  return { kind, request, columns: source.columns, pages: await source.pages(dependencies, context, walk) };
}

/** A named customer or unit must exist in the caller's environment (another environment's is as unknown as a made-up one). */
async function checkFilters(dependencies: AppDependencies, context: RequestContext, request: ExportFilters): Promise<void> {
  const environmentId = context.environment.id;
  const { customer, unit } = await dependencies.store.read(async (repository) => ({
    customer: request.customerId === undefined || (await repository.accounts.getCustomer(environmentId, request.customerId)) !== undefined,
    unit: request.unit === undefined || (await repository.accounts.getUnit(environmentId, request.unit)) !== undefined,
  }));
  if (!customer) throw notFound('customer', request.customerId!, 'customerId');
  if (!unit) throw notFound('unit', request.unit!, 'unit');
}

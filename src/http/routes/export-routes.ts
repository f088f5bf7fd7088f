import { Type, type TLiteral, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { exportFilters, type ExportDefinition, type ExportFilter } from '../../app/export-source.ts';
import { exportKinds, exportSourceOf, exportSources, openExport } from '../../app/exports.ts';
import { contextOf } from '../../edge/request-context.ts';
import { exportContentType, exportFileName, exportFormats, exportStream, type ExportFormat } from '../../edge/export-encoding.ts';
import { parseTimestamp } from '../../edge/time.ts';
import { routeSchema, streamedBody } from '../route-contract.ts';
import type { RouteDependencies } from '../route-support.ts';
import { Identifier, strictObject, Timestamp } from '../schemas.ts';

/** Each filter's query parameter; a kind offers those its source takes, optional unless it requires it. */
const filterParameters: Record<ExportFilter, TSchema> = {
  customerId: { ...Identifier, description: "Only this customer's rows." },
  unit: Type.String({ minLength: 1, maxLength: 64, description: 'Only rows of wallets in this unit.' }),
  currency: Type.String({ minLength: 3, maxLength: 3, description: 'The currency (ISO 4217, e.g. usd) the money is in.' }),
};

const formats = Object.keys(exportFormats) as ExportFormat[];

function exportQuery(source: ExportDefinition) {
  return strictObject({
    from: { ...Timestamp, description: 'Start of the window (inclusive), RFC 3339.' },
    to: { ...Timestamp, description: 'End of the window (exclusive), RFC 3339; later than from.' },
    format: Type.Optional(Type.Union(formats.map((format) => Type.Literal(format)) as Array<TLiteral<ExportFormat>>, { description: 'csv (the default) or jsonl (JSON lines).' })),
    ...Object.fromEntries(
      exportFilters
        .filter((filter) => source.filters.includes(filter))
        .map((filter) => [filter, source.required.includes(filter) ? filterParameters[filter] : Type.Optional(filterParameters[filter])]),
    ),
  });
}

const ExportBody = streamedBody({
  description: 'The rows, streamed as they are read (chunked): a CSV header then one row per line, or one JSON object per line. An export cut short ends without its last line end and with the connection reset.',
  mediaTypes: {
    [exportFormats.csv.mediaType]: 'RFC 4180 CSV with a header row; amounts are exact decimal strings, times RFC 3339 UTC, empty for none.',
    [exportFormats.jsonl.mediaType]: 'One JSON object per line; amounts are exact decimal strings, times RFC 3339 UTC, null for none.',
  },
  headers: { 'Content-Disposition': { type: 'string', description: 'attachment, with a file name naming the kind and the window.' } },
});

/**
 * GET /v1/exports/<kind> for every registered export (app/exports.ts): the
 * request is checked and the first page read (a failure in either is a JSON
 * error) before the first byte of the stream is sent; then the rows stream a
 * page at a time, as fast as the client reads them. A failure after that cuts
 * the body short, without its final line end, and resets the connection.
 */
export function registerExportRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  for (const kind of exportKinds) {
    const source: ExportDefinition = exportSources[kind];
    server.get<{ Querystring: { from: string; to: string; format?: ExportFormat } & Partial<Record<ExportFilter, string>> }>(
      `/exports/${kind}`,
      {
        schema: routeSchema({
          operationId: `export${kind[0]!.toUpperCase()}${kind.slice(1)}`,
          summary: `Export ${kind} in a time window as CSV or JSON lines, streamed`,
          description: `${source.description} Columns: ${source.columns.map((column) => column.name).join(', ')}. See docs/exports.md.`,
          tags: ['exports'],
          querystring: exportQuery(source),
          success: { 200: ExportBody },
        }),
      },
      async (request, reply) => {
        const { from, to, format = 'csv', ...filters } = request.query;
        const opened = await openExport(app, contextOf(request), kind, Object.assign({}, filters, { from: parseTimestamp(from, 'from'), to: parseTimestamp(to, 'to') }));
        // The first page is read and encoded before the status is sent: a failure there is a JSON error, not an export that looks empty.
        const rows = await exportStream(opened, format);
        return reply
          .type(exportContentType(format))
          .header('content-disposition', `attachment; filename="${exportFileName(opened, format)}"`)
          .header('cache-control', 'no-store')
          .send(rows);
      },
    );
  }
  // Not in /openapi.json: the same refusal a CLI gets for a kind that does not exist, naming those that do.
  server.get<{ Params: { kind: string } }>('/exports/:kind', { schema: { hide: true } }, async (request) => {
    exportSourceOf(request.params.kind);
  });
}

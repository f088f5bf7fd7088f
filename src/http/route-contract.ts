import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import type { ErrorCode } from '../domain/errors.ts';
import { nativeErrorStatus } from './errors.ts';
import { listOf, StringEnum } from './response-schemas.ts';

export type SuccessStatus = 200 | 201;
export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 413 | 429 | 500 | 501;

/** What a native route promises; `routeSchema` turns it into the Fastify schema that validates, serialises and documents it. */
export interface RouteContract {
  /** Unique, camelCase: the client's and the document's name for the operation. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** The success bodies by status (201 where something is created). They serialise the response. */
  success: Partial<Record<SuccessStatus, TSchema>>;
  /** Refusals beyond those implied (see `errorStatusesOf`). */
  errors?: ErrorStatus[];
  /** Takes an `Idempotency-Key`: a repeat answers the first response again; the same key with another request is a 409. */
  idempotent?: boolean;
  /** Answers a repeat (by some other key, such as the caller's ID) with the first response and `Idempotent-Replayed`; implied by `idempotent`. */
  replayed?: boolean;
}

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid request: a parameter, the JSON or the URL is wrong; `param` names it. Nothing changed.',
  401: 'Missing, unknown or revoked API key.',
  402: 'Not enough credits; nothing was debited.',
  403: 'The API key may not do this.',
  404: 'No such object in this environment.',
  409: 'Conflict: the idempotency key was used for another request, or the object is in a state that does not allow this.',
  413: 'The request body is over 1 MiB.',
  429: 'Too many requests for this API key; see Retry-After.',
  500: 'Something went wrong on our side; quote the requestId.',
  501: 'Not supported here.',
};

const REQUEST_ID_HEADER = { 'Request-Id': { type: 'string', description: "This request's ID, also in error bodies and logs." } };
const REPLAYED_HEADER = { 'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Present when this is the stored answer to an earlier, identical request.' } };

const IdempotencyHeaders = Type.Object({
  'Idempotency-Key': Type.Optional(
    Type.String({
      description:
        'Makes a retry safe: 1 to 255 characters, unique per operation. A repeat answers the first response (with `Idempotent-Replayed: true`); the same key with another request is a 409. Same as the `idempotencyKey` body field.',
    }),
  ),
});

/** The `error` object of an error body, its `code` and `type` narrowed to those of `statuses` (as `errors.ts` maps them). */
export function errorObjectSchema(statuses?: readonly number[]) {
  const mapped = Object.entries(nativeErrorStatus).filter(([, value]) => statuses === undefined || statuses.includes(value.status));
  return Type.Object(
    {
      type: StringEnum([...new Set(mapped.map(([, value]) => value.type))]),
      code: StringEnum(mapped.map(([code]) => code as ErrorCode)),
      message: Type.String({ description: 'For a person: what was wrong and what to send instead.' }),
      param: Type.Optional(Type.String({ description: 'The parameter at fault, as a dotted path.' })),
      details: Type.Optional(Type.Object({}, { additionalProperties: true })),
      requestId: Type.String(),
    },
    { additionalProperties: false },
  );
}

/** The answer of a batch (route-support.ts `batchResultsView`): per item, what succeeded or the error, in request order. */
export function batchResultsSchema(succeeded: Record<string, TSchema>, description: string) {
  return listOf(
    Type.Union([
      Type.Object({ status: Type.Literal('succeeded'), ...succeeded }, { additionalProperties: false }),
      Type.Object({ status: Type.Literal('failed'), httpStatus: Type.Integer(), error: errorObjectSchema() }, { additionalProperties: false }),
    ]),
    description,
  );
}

const errorSchemas = new Map<ErrorStatus, TSchema>();
function errorSchemaOf(status: ErrorStatus): TSchema {
  let schema = errorSchemas.get(status);
  if (!schema) {
    schema = Type.Object({ error: errorObjectSchema([status]) }, { additionalProperties: false, description: ERROR_DESCRIPTIONS[status], headers: REQUEST_ID_HEADER });
    errorSchemas.set(status, schema);
  }
  return schema;
}

/**
 * Every native route can answer 400 (a bad URL or parameter), 401, 403 and 429
 * (the API key, or a portal token that may not reach the route), and 500. A
 * body can be too large (413); a path ID or a named customer can be unknown or
 * out of reach (404); an idempotency key can conflict (409).
 */
export function errorStatusesOf(contract: RouteContract): ErrorStatus[] {
  const implied: ErrorStatus[] = [400, 401, 403, 429, 500];
  if (contract.body) implied.push(413);
  if (contract.params || namesCustomer(contract.querystring) || namesCustomer(contract.body)) implied.push(404);
  if (contract.idempotent) implied.push(409);
  return [...new Set([...implied, ...(contract.errors ?? [])])].sort((a, b) => a - b);
}

function namesCustomer(schema: TSchema | undefined): boolean {
  return Boolean((schema as { properties?: Record<string, unknown> } | undefined)?.properties?.customerId);
}

/**
 * A success body that is streamed as text in one of `mediaTypes` (by a request
 * parameter) instead of sent as JSON: documented per media type, never
 * serialised or checked as JSON. `headers` are the ones it always sends.
 */
export function streamedBody(options: { description: string; mediaTypes: Record<string, string>; headers?: Record<string, { type: 'string'; description: string }> }): TSchema {
  const content = Object.fromEntries(Object.entries(options.mediaTypes).map(([mediaType, description]) => [mediaType, { schema: { type: 'string', description } }]));
  return { description: options.description, content, headers: options.headers ?? {} } as unknown as TSchema;
}

/**
 * The query of a route that takes none: any parameter is a 400 naming it, as an unknown one is on the routes that
 * take some, rather than ignored (a typo'd filter would otherwise answer as if it had been applied). One object for
 * every such route, so it compiles once.
 */
const NoQuery = Type.Object({}, { additionalProperties: false });

export function routeSchema(contract: RouteContract): FastifySchema {
  const response: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(contract.success)) {
    const own = (schema as { headers?: object }).headers;
    response[Number(status)] = { ...schema, headers: { ...own, ...REQUEST_ID_HEADER, ...(contract.idempotent || contract.replayed ? REPLAYED_HEADER : {}) } };
  }
  for (const status of errorStatusesOf(contract)) response[status] = errorSchemaOf(status);
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    ...(contract.description !== undefined ? { description: contract.description } : {}),
    tags: contract.tags,
    ...(contract.params ? { params: contract.params } : {}),
    querystring: contract.querystring ?? NoQuery,
    ...(contract.body ? { body: contract.body } : {}),
    ...(contract.idempotent ? { headers: IdempotencyHeaders } : {}),
    response,
  };
}

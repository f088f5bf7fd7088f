import { CreditbookError } from '../domain/errors.ts';

/** The parts of a JSON schema that a message names: what the schema allows. */
export interface AllowedSchema {
  description?: string;
  type?: unknown;
  minimum?: number;
  maximum?: number;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  anyOf?: AllowedSchema[];
  properties?: Record<string, unknown>;
}

/** What Ajv reports for one failed check (with `verbose`, the schema that failed and the value too). */
export interface SchemaViolation {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: AllowedSchema;
  data?: unknown;
}

const AMOUNT_PARAM = /(^|\.)(amount|overdraftLimit|resetMaxRollover|resetMinRollover|threshold|targetBalance|unitPrice|per)$/;

/**
 * A schema violation as a message a person can act on: the allowed values, the
 * range or the described format, never a regular expression or Ajv's words.
 * `violations` is Ajv's whole list: a union reports one failure per branch before
 * the union's own, whose schema names every branch. `context` is the part of the
 * request (Fastify's `validationContext`: body, querystring, params, headers).
 */
export function violationError(violations: readonly SchemaViolation[], context: string | undefined): CreditbookError {
  const first = violations[0]!;
  const path = first.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  if (first.keyword === 'required') path.push(String(first.params.missingProperty));
  if (first.keyword === 'additionalProperties') path.push(String(first.params.additionalProperty));
  const param = path.join('.') || (context ?? 'body');
  const message = first.keyword === 'additionalProperties' ? unknownParameter(first, param, context) : `'${param}' ${expectation(violations, first, param, context)}`;
  return new CreditbookError('validation_error', message, { param });
}

/** A query that a route takes none of says so: the caller may have meant the parameter for the body. */
function unknownParameter(violation: SchemaViolation, param: string, context: string | undefined): string {
  const takesNone = context === 'querystring' && Object.keys(violation.parentSchema?.properties ?? {}).length === 0;
  return takesNone ? `Unknown parameter '${param}': this route takes no query parameters.` : `Unknown parameter '${param}'.`;
}

function expectation(violations: readonly SchemaViolation[], first: SchemaViolation, param: string, context: string | undefined): string {
  if (first.keyword === 'required') return 'is required.';
  if (AMOUNT_PARAM.test(param) && ['type', 'pattern', 'anyOf'].includes(first.keyword)) return 'must be a decimal string such as "12.5", or a number.';
  // The union's own failure comes after its branches'; its schema lists them all, whichever check each failed.
  const union = violations.findLast((violation) => violation.instancePath === first.instancePath && violation.keyword === 'anyOf');
  const schema = union?.parentSchema ?? first.parentSchema;
  // A query parameter sent twice arrives as a list, which no query parameter is: naming list types would mislead.
  if (context === 'querystring' && first.keyword === 'type' && Array.isArray(first.data)) return `must be given once: ${schema ? allowedBy(schema) : 'one value'}.`;
  if (union?.parentSchema) return `must be ${allowedBy(union.parentSchema)}.`;
  if (first.keyword === 'enum') return `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}.`;
  if (first.keyword === 'type') return `must be ${typeName(String(first.params.type))}.`;
  if (first.keyword === 'const') return `must be ${String(first.params.allowedValue)}.`;
  switch (first.keyword) {
    case 'pattern':
    case 'format':
      return first.parentSchema?.description ? `must be ${lowerFirst(first.parentSchema.description)}` : 'is not in the expected format.';
    case 'minimum':
    case 'maximum':
      return rangeOf(first.parentSchema) ?? `must be ${first.keyword === 'minimum' ? 'at least' : 'at most'} ${first.params.limit}.`;
    case 'exclusiveMinimum':
      return `must be greater than ${first.params.limit}.`;
    case 'minLength':
      return first.params.limit === 1 ? 'must not be empty.' : `must have at least ${first.params.limit} characters.`;
    case 'maxLength':
      return `must have at most ${first.params.limit} characters.`;
    case 'minItems':
      return `must have at least ${first.params.limit} items.`;
    case 'maxItems':
      return `must have at most ${first.params.limit} items.`;
    case 'maxProperties':
      return `must have at most ${first.params.limit} entries.`;
    default:
      return `${first.message ?? 'is invalid'}.`;
  }
}

function typeName(type: string): string {
  return type === 'null' ? 'null' : type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : type === 'array' ? 'an array' : type === 'boolean' ? 'true or false' : `a ${type}`;
}

/**
 * What a schema allows, to read after "must be": a union names each branch by its
 * whole schema, not by the one check the value failed there (a string that is too
 * long fails the string branch on its length, and is still allowed a string).
 */
export function allowedBy(schema: AllowedSchema): string {
  const branches = branchesOf(schema);
  const constants = branches.filter((branch) => branch.const !== undefined).map((branch) => String(branch.const));
  const others = branches.filter((branch) => branch.const === undefined).map(oneBranch);
  if (constants.length > 0) return `one of ${[...constants, ...others].join(', ')}`;
  // "a string or null"; a branch that says more is set off by a comma: "a string of 1 to 255 characters, or null".
  const plain = others.every((text) => !text.includes(' ') || /^an? \w+$/.test(text));
  if (plain || others.length < 2) return others.join(' or ');
  return `${others.slice(0, -1).join(', ')}, or ${others.at(-1)}`;
}

/** A union's branches, a union within it flattened ("amount or null" is three). */
function branchesOf(schema: AllowedSchema): AllowedSchema[] {
  return schema.anyOf ? schema.anyOf.flatMap(branchesOf) : [schema];
}

/** One branch that is not a constant: its format, its length or range, or its type. */
function oneBranch(schema: AllowedSchema): string {
  if (schema.enum) return `one of ${schema.enum.join(', ')}`;
  const type = typeName(String(schema.type ?? 'value'));
  if (schema.pattern !== undefined || schema.format !== undefined) return schema.description ? lowerFirst(schema.description).replace(/\.$/, '') : `${type} in the expected format`;
  if (schema.type === 'string') return stringOfLength(schema.minLength ?? 0, schema.maxLength);
  return rangeOf(schema)?.replace(/^must be (.*)\.$/, '$1') ?? type;
}

function stringOfLength(minimum: number, maximum: number | undefined): string {
  if (maximum === undefined) return minimum === 0 ? 'a string' : minimum === 1 ? 'a non-empty string' : `a string of at least ${minimum} characters`;
  if (minimum === 0) return `a string of at most ${maximum} characters`;
  return minimum === maximum ? `a string of ${maximum} characters` : `a string of ${minimum} to ${maximum} characters`;
}

/** A whole number bounded on both sides is named by its range ("from 1 to 100"). */
function rangeOf(schema: AllowedSchema | undefined): string | undefined {
  if (schema?.type !== 'integer' || schema.minimum === undefined || schema.maximum === undefined) return undefined;
  return `must be a whole number from ${schema.minimum} to ${schema.maximum}.`;
}

function lowerFirst(text: string): string {
  const sentence = text.endsWith('.') ? text : `${text}.`;
  // "A whole number" reads on after "must be" as "a whole number"; an acronym ("ISO …") keeps its case.
  return /^[A-Z](?![A-Z0-9])/.test(sentence) ? sentence[0]!.toLowerCase() + sentence.slice(1) : sentence;
}

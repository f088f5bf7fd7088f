import { CreditbookError } from '../domain/errors.ts';

/** What Ajv reports for one failed check (with `verbose`, the schema that failed too). */
export interface SchemaViolation {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string; type?: unknown; minimum?: number; maximum?: number };
}

const AMOUNT_PARAM = /(^|\.)(amount|overdraftLimit|resetMaxRollover|resetMinRollover)$/;

/**
 * A schema violation as a message a person can act on: the allowed values, the
 * range or the described format, never a regular expression or Ajv's words.
 * `violations` is Ajv's whole list: a union reports one failure per branch before
 * the union's own, and together they name what was allowed.
 */
export function violationError(violations: readonly SchemaViolation[], context: string | undefined): CreditbookError {
  const first = violations[0]!;
  const path = first.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  if (first.keyword === 'required') path.push(String(first.params.missingProperty));
  if (first.keyword === 'additionalProperties') path.push(String(first.params.additionalProperty));
  const param = path.join('.') || (context ?? 'body');
  const message = first.keyword === 'additionalProperties' ? `Unknown parameter '${param}'.` : `'${param}' ${expectation(violations, first, param)}`;
  return new CreditbookError('validation_error', message, { param });
}

function expectation(violations: readonly SchemaViolation[], first: SchemaViolation, param: string): string {
  if (first.keyword === 'required') return 'is required.';
  if (AMOUNT_PARAM.test(param) && ['type', 'pattern', 'anyOf'].includes(first.keyword)) return 'must be a decimal string such as "12.5", or a number.';
  // Every failure of a union at this place: one per branch.
  const branches = violations.filter((violation) => violation.instancePath === first.instancePath && violation.keyword !== 'anyOf');
  const constants = branches.filter((violation) => violation.keyword === 'const').map((violation) => String(violation.params.allowedValue));
  const types = branches.filter((violation) => violation.keyword === 'type').map((violation) => typeName(String(violation.params.type)));
  if (first.keyword === 'enum') return `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}.`;
  if (constants.length > 0) return `must be one of ${[...constants, ...types].join(', ')}.`;
  if (types.length > 0) return `must be ${types.join(' or ')}.`;
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
  return type === 'null' ? 'null' : type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : type === 'boolean' ? 'true or false' : `a ${type}`;
}

/** A whole number bounded on both sides is named by its range ("from 1 to 100"). */
function rangeOf(schema: SchemaViolation['parentSchema']): string | undefined {
  if (schema?.type !== 'integer' || schema.minimum === undefined || schema.maximum === undefined) return undefined;
  return `must be a whole number from ${schema.minimum} to ${schema.maximum}.`;
}

function lowerFirst(text: string): string {
  const sentence = text.endsWith('.') ? text : `${text}.`;
  // "A whole number" reads on after "must be" as "a whole number"; an acronym ("ISO …") keeps its case.
  return /^[A-Z](?![A-Z0-9])/.test(sentence) ? sentence[0]!.toLowerCase() + sentence.slice(1) : sentence;
}
